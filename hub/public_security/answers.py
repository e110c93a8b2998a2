"""One fetched answer, checked as hostile input: flattened, mapped back, gated, matched to the ticket.

The Fetch* answer of any flow is a list of results, each with nested lists (events, vehicles,
interceptions: :class:`~hub.public_security.flows.Nested`). :func:`check_answer` turns it into rows ready
to load and the reasons of those that must not be loaded; it writes nothing. What differs per flow comes
from the flow's declaration and its mapping, never from code here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from hub.mapping import TargetMapping, to_python_rows
from hub.public_security.flows import AsyncExchange
from hub.quality.gate import QualityGate


@dataclass
class CheckedAnswer:
    """Rows of one answer that may be loaded, and the raw records (with reasons) that may not."""

    results: list[dict] = field(default_factory=list)  # canonical result rows that passed
    nested: dict[str, list[dict]] = field(default_factory=dict)  # element → canonical rows that passed
    raw_results: int = 0
    reasons: dict[str, list[str]] = field(default_factory=dict)  # result key → reasons
    nested_reasons: dict[str, list[str]] = field(default_factory=dict)  # nested key → reasons
    held: list[tuple[str, dict]] = field(default_factory=list)  # (key, raw record) to quarantine

    @property
    def quarantined(self) -> int:
        return len(self.reasons) + len(self.nested_reasons)


@dataclass
class AnswerChecker:
    """Checks the answers of one flow with its inbound mappings and suites (made once per collect run)."""

    exchange: AsyncExchange
    results_target: TargetMapping
    nested_targets: dict[str, TargetMapping]  # element → inbound target
    gate: QualityGate
    nested_gates: dict[str, QualityGate]  # element → gate, for nested rows with a suite

    def check_answer(self, ticket_id: str, results: list[dict], submitted: set[str]) -> CheckedAnswer:
        checked = CheckedAnswer(raw_results=len(results))
        if not results:
            return checked
        result_key, request_key = _source(self.results_target, "result_id"), _source(self.results_target, "request_id")
        elements = {n.element for n in self.exchange.nested}
        raw_results: list[dict] = []
        raw_nested: dict[str, list[dict]] = {element: [] for element in elements}
        for result in results:
            row = {}
            for name, value in result.items():
                if name in elements:
                    for child in value or []:
                        raw_nested[name].append(
                            {**child, result_key: result.get(result_key), request_key: result.get(request_key)}
                        )
                elif isinstance(value, list):  # repeated simple elements (phones): one comma-separated field
                    row[name] = ",".join(str(v) for v in value) or None
                else:
                    row[name] = value
            raw_results.append(row)
        frame = _frame(raw_results, self.results_target)
        mapped, errors = self.results_target.apply(frame)
        reasons = checked.reasons
        for index, why in errors.items():
            reasons[str(frame.at[index, result_key])] = [f"mapping: {e}" for e in why]
        gated = self.gate.check(mapped)
        for key, why in gated.failures.items():
            reasons.setdefault(key, []).extend(why)
        for row in to_python_rows(gated.passed):
            key = str(row["result_id"])
            if str(row["request_id"]) not in submitted:
                reasons.setdefault(key, []).append(
                    f"result for request {row['request_id']}, which the hub did not submit under ticket {ticket_id}"
                )
            else:
                row["request_id"] = int(row["request_id"])
                checked.results.append(row)
        good = {row["result_id"] for row in checked.results}
        checked.held = [(str(r[result_key]), r) for r in raw_results if str(r[result_key]) in reasons]
        for element, rows in raw_nested.items():
            checked.nested[element] = self._nested(element, rows, good, checked)
        return checked

    def _nested(self, element: str, raw: list[dict], good: set[str], checked: CheckedAnswer) -> list[dict]:
        if not raw:
            return []
        target = self.nested_targets[element]
        key_source = _source(target, target.key)
        frame = _frame(raw, target)
        mapped, errors = target.apply(frame)
        reasons: dict[str, list[str]] = {
            str(frame.at[index, key_source]): [f"mapping: {e}" for e in why] for index, why in errors.items()
        }
        gate = self.nested_gates.get(element)
        if gate is not None and len(mapped):
            gated = gate.check(mapped)
            for key, why in gated.failures.items():
                reasons.setdefault(key, []).extend(why)
            mapped = gated.passed
        rows = []
        for row in to_python_rows(mapped):
            if row["result_id"] not in good or str(row[target.key]) in reasons:
                continue  # its result was quarantined: the raw result carries it with it
            row["request_id"] = int(row["request_id"])
            rows.append(row)
        checked.nested_reasons.update(reasons)
        checked.held += [(str(r[key_source]), r) for r in raw if str(r[key_source]) in reasons]
        return rows


def _source(target: TargetMapping, canonical: str) -> str:
    """The partner element a canonical column is read from (e.g. result_id ← resultId)."""
    return next(rule.source for rule in target.columns if rule.name == canonical)


def _frame(rows: list[dict], target: TargetMapping) -> pd.DataFrame:
    """The raw rows as a frame with every element the mapping reads (an optional element may be absent
    from every row of an answer)."""
    frame = pd.DataFrame(rows)
    for rule in target.columns:
        if rule.source is not None and rule.source not in frame.columns:
            frame[rule.source] = None
    return frame
