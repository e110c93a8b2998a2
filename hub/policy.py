"""Per-partner data policies (``policies/<partner>.yaml``): what each partner may legally receive.

A mapping says how a record is written in a partner's dialect; a policy says whether it may be written
at all. Each policy names, per record type the partner may receive, the partner-side fields allowed to
leave the hub and the row rules every canonical record (before mapping) must satisfy, with the legal
basis of each. Everything else is denied: a partner without a policy file, a record type not listed, a
field not listed (PIPL art. 34: send each partner only what its duty needs; architecture invariant 5).

The pipeline (:func:`hub.pipeline.run_outbound`) calls :func:`enforce_flow` once per run (a forbidden
record type or field blocks the whole run before anything is delivered) and :func:`screen_rows` on each
chunk (rows failing a rule are quarantined, never delivered). ``hub policy show|check`` reads the same
files. The predicate language is documented in docs/policies.md.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml
from sqlalchemy import Connection, Engine

from hub import ledger
from hub.alerts import Alert, raise_alerts
from hub.errors import ConfigurationError, PolicyViolation
from hub.flows import OutboundFlow
from hub.mapping import PartnerMapping, TargetMapping, blank_text
from hub.settings import get_settings

#: Ledger outcome of a record or run the policy stopped.
BLOCKED = "policy_blocked"
#: Canonical fields the pipeline adds to every chunk (not selected by the flow's query).
PIPELINE_FIELDS = frozenset({"pushed_at"})
_COMPARISONS = ("equals", "in", "not_in", "present")
_COMBINATIONS = ("any_of", "all_of")
_PARTNER_NAME = re.compile(r"[a-z][a-z0-9_]*")


def policies_dir() -> Path:
    """Where the policy files live: ``HUB_POLICIES_DIR``, by default the project's ``policies/``."""
    return get_settings().policies_dir


@dataclass(frozen=True)
class Predicate:
    """One row rule over canonical fields: a comparison (``field`` with one of equals, in, not_in,
    present) or a combination (``any_of`` / ``all_of`` of rules). A missing value never satisfies a
    comparison other than ``present: false``: what cannot be judged is denied."""

    op: str
    field: str | None = None
    value: object = None
    parts: tuple[Predicate, ...] = ()
    name: str | None = None

    def __str__(self) -> str:
        if self.name:
            return self.name
        if self.op == "equals":
            return f"{self.field} = {_show(self.value)}"
        if self.op in ("in", "not_in"):
            words = "in" if self.op == "in" else "not in"
            return f"{self.field} {words} [{', '.join(_show(v) for v in self.value)}]"
        if self.op == "present":
            return f"{self.field} is {'present' if self.value else 'absent'}"
        joined = "; ".join(str(part) for part in self.parts)
        return f"{'any' if self.op == 'any_of' else 'all'} of ({joined})"

    @property
    def fields(self) -> set[str]:
        """The canonical fields the rule reads (the flow must extract them)."""
        if self.field is not None:
            return {self.field}
        return set().union(*(part.fields for part in self.parts))

    def mask(self, frame: pd.DataFrame) -> pd.Series:
        """True for the rows of ``frame`` that satisfy the rule, computed by column (no per-row Python)."""
        if self.op == "any_of":
            result = pd.Series(False, index=frame.index)
            for part in self.parts:
                result |= part.mask(frame)
            return result
        if self.op == "all_of":
            result = pd.Series(True, index=frame.index)
            for part in self.parts:
                result &= part.mask(frame)
            return result
        if self.field not in frame.columns:
            raise ConfigurationError(f"policy rule {self} reads canonical field {self.field!r}, not in the chunk")
        series = frame[self.field]
        present = series.notna()
        if self.op in ("present", "not_in"):  # a blank text is no value (equals / in never match one)
            present &= ~blank_text(series)
        if self.op == "present":
            return present if self.value else ~present
        if self.op == "equals":
            hit = series.eq(self.value)
        else:
            hit = series.isin(list(self.value))
            if self.op == "not_in":
                hit = ~hit
        return (hit.astype("boolean").fillna(False) & present).astype(bool)


def _show(value: object) -> str:
    return "true" if value is True else "false" if value is False else str(value)


@dataclass(frozen=True)
class RecordPolicy:
    """What a partner may receive of one record type: the fields, the row rules, why."""

    partner: str
    record_type: str
    fields: frozenset[str]
    rows: tuple[Predicate, ...]
    legal_basis: str

    def allowed_fields(self) -> frozenset[str]:
        return self.fields

    def evaluate_rows(self, frame: pd.DataFrame) -> tuple[pd.Series, dict[object, list[str]]]:
        """(mask of rows every rule allows, {row index: reasons} for the others), by column per rule."""
        allowed = pd.Series(True, index=frame.index)
        reasons: dict[object, list[str]] = {}
        for rule in self.rows:
            ok = rule.mask(frame)
            for index in frame.index[~ok.to_numpy(dtype=bool)]:
                reasons.setdefault(index, []).append(blocked_reason(rule, self.partner))
            allowed &= ok
        return allowed, reasons


def blocked_reason(rule: Predicate | str, partner: str) -> str:
    """The quarantine and ledger reason of a row a rule stopped."""
    return f"policy: {rule} not satisfied for partner {partner}"


@dataclass(frozen=True)
class Violation:
    """A mapping or flow that would send what the partner's policy does not allow."""

    partner: str
    record_type: str
    field: str | None  # None: the record type itself is not allowed
    where: str  # the mapping file and target, or the flow
    problem: str
    kind: str = "field"  # record_type | field (a mapped field not allowed) | rule (a row rule it cannot feed)

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


@dataclass(frozen=True)
class PartnerPolicy:
    """A partner's policy file; ``source_path`` None means there is none, so everything is denied."""

    partner: str
    source_path: Path | None
    description: str = ""
    legal_basis: str = ""
    record_types: dict[str, RecordPolicy] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return str(self.source_path) if self.source_path else f"{policies_dir() / self.partner}.yaml (missing)"

    def allows(self, record_type: str) -> bool:
        return record_type in self.record_types

    def allowed_fields(self, record_type: str) -> frozenset[str]:
        """The partner-side fields of ``record_type`` that may leave the hub (none when not allowed)."""
        rules = self.record_types.get(record_type)
        return rules.fields if rules else frozenset()

    def record(self, record_type: str) -> RecordPolicy:
        try:
            return self.record_types[record_type]
        except KeyError:
            raise PolicyViolation(self._type_denied(record_type)) from None

    def _type_denied(self, record_type: str) -> str:
        if self.source_path is None:
            return f"partner {self.partner} has no policy file ({self.where}): it may receive nothing"
        return f"record type {record_type} is not in {self.where}: {self.partner} may not receive it"

    def check_target(self, target: TargetMapping, where: str) -> list[Violation]:
        """Every partner field ``target`` would write (columns, reset_on_update) that the policy denies."""
        if not self.allows(target.record_type):
            denied = self._type_denied(target.record_type)
            return [Violation(self.partner, target.record_type, None, where, denied, "record_type")]
        allowed = self.allowed_fields(target.record_type)
        written = [*target.column_names, *[name for name in target.reset_on_update if name not in target.column_names]]
        return [
            Violation(
                self.partner, target.record_type, name, where,
                f"field {name} is not allowed for {self.partner} {target.record_type} by {self.where}",
            )
            for name in written
            if name not in allowed
        ]  # fmt: skip

    def check_mapping(self, mapping: PartnerMapping) -> list[Violation]:
        """Every outbound target of ``mapping`` checked against this policy (inbound targets receive)."""
        found: list[Violation] = []
        for record_type, target in mapping.targets.items():
            found += self.check_target(target, f"{mapping.source_path} targets.{record_type}")
        return found

    def check_flow(self, flow: OutboundFlow, target: TargetMapping | None) -> list[Violation]:
        """What would stop ``flow`` as a whole: its record type, its mapped fields (``target``; None when
        the mapping has none yet), and row rules reading fields the flow does not extract."""
        where = f"flow {flow.name} ({flow.partner} {flow.record_type})"
        if target is not None:
            found = self.check_target(target, where)
        elif not self.allows(flow.record_type):
            denied = self._type_denied(flow.record_type)
            found = [Violation(self.partner, flow.record_type, None, where, denied, "record_type")]
        else:
            found = []
        rules = self.record_types.get(flow.record_type)
        if rules is not None:
            extracted = {column.key for column in flow.query.selected_columns} | PIPELINE_FIELDS
            for rule in rules.rows:
                for name in sorted(rule.fields - extracted):
                    found.append(Violation(self.partner, flow.record_type, name, where,
                                           f"row rule '{rule}' of {self.where} reads {name}, "
                                           "which the flow does not extract", "rule"))  # fmt: skip
        return found


def policy_for(partner: str, directory: Path | None = None) -> PartnerPolicy:
    """The policy of ``partner``; a partner without a file gets the empty policy (deny everything)."""
    if not _PARTNER_NAME.fullmatch(partner):
        raise ConfigurationError(f"{partner!r} is not a partner name (lower-case letters, digits, underscores)")
    path = (directory or policies_dir()) / f"{partner}.yaml"
    if not path.exists():
        return PartnerPolicy(partner, None)
    return load_policy(path)


def load_policy(path: Path) -> PartnerPolicy:
    """Load and validate one policy file; every error names the file and the key."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read policy {path}: {exc}") from exc
    if not isinstance(document, dict):
        raise ConfigurationError(f"{path}: a policy is a mapping with partner, legal_basis and record_types")
    _known(path, "top level", document, {"partner", "description", "legal_basis", "record_types"})
    partner = document.get("partner")
    if partner != path.stem:
        raise ConfigurationError(f"{path}: partner is {partner!r}, but the file is named for {path.stem!r}")
    types = document.get("record_types")
    if not isinstance(types, dict) or not types:
        raise ConfigurationError(f"{path}: record_types must name at least one record type (deny by default)")
    records = {name: _record(path, partner, name, spec) for name, spec in types.items()}
    return PartnerPolicy(partner, path, document.get("description", ""), _basis(path, "top level", document), records)


def _known(path: Path, where: str, spec: dict, allowed: set[str]) -> None:
    unknown = set(spec) - allowed
    if unknown:
        raise ConfigurationError(f"{path}: {where}: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")


def _basis(path: Path, where: str, spec: dict) -> str:
    basis = spec.get("legal_basis")
    if not isinstance(basis, str) or not basis.strip():
        raise ConfigurationError(f"{path}: {where}: legal_basis is missing (cite the rule that allows it)")
    return " ".join(basis.split())


def _record(path: Path, partner: str, name: str, spec: object) -> RecordPolicy:
    where = f"record_types.{name}"
    if not isinstance(spec, dict):
        raise ConfigurationError(f"{path}: {where}: expected fields, rows and legal_basis")
    _known(path, where, spec, {"fields", "rows", "legal_basis"})
    fields = spec.get("fields")
    if not isinstance(fields, list) or not fields or not all(isinstance(f, str) for f in fields):
        raise ConfigurationError(f"{path}: {where}.fields: a non-empty list of partner-side field names")
    rows = spec.get("rows") or []
    if not isinstance(rows, list):
        raise ConfigurationError(f"{path}: {where}.rows: a list of row rules")
    rules = tuple(_predicate(path, f"{where}.rows[{n}]", rule) for n, rule in enumerate(rows))
    return RecordPolicy(partner, name, frozenset(fields), rules, _basis(path, where, spec))


def _predicate(path: Path, where: str, spec: object) -> Predicate:
    if not isinstance(spec, dict):
        raise ConfigurationError(f"{path}: {where}: a rule is a mapping, e.g. {{field: party_kind, in: [PERSON]}}")
    _known(path, where, spec, {"field", "name", *_COMPARISONS, *_COMBINATIONS})
    name = spec.get("name")
    combinations = [key for key in _COMBINATIONS if key in spec]
    comparisons = [key for key in _COMPARISONS if key in spec]
    if len(combinations) + len(comparisons) != 1:
        raise ConfigurationError(
            f"{path}: {where}: give exactly one of {', '.join((*_COMPARISONS, *_COMBINATIONS))} (found "
            f"{combinations + comparisons or 'none'})"
        )
    if combinations:
        op = combinations[0]
        parts = spec[op]
        if "field" in spec or not isinstance(parts, list) or not parts:
            raise ConfigurationError(f"{path}: {where}.{op}: a non-empty list of rules, and no field beside it")
        return Predicate(op, parts=tuple(_predicate(path, f"{where}.{op}[{n}]", p) for n, p in enumerate(parts)),
                         name=name)  # fmt: skip
    op = comparisons[0]
    column, value = spec.get("field"), spec[op]
    if not isinstance(column, str) or not column:
        raise ConfigurationError(f"{path}: {where}: {op} needs field: <canonical field name>")
    if op in ("in", "not_in") and (not isinstance(value, list) or not value):
        raise ConfigurationError(f"{path}: {where}.{op}: a non-empty list of values")
    if op == "present" and not isinstance(value, bool):
        raise ConfigurationError(f"{path}: {where}.present: true or false")
    if op == "equals" and isinstance(value, list | dict):
        raise ConfigurationError(f"{path}: {where}.equals: one value (use in: for a list)")
    return Predicate(op, column, tuple(value) if isinstance(value, list) else value, name=name)


# --- enforcement (called by hub.pipeline) --------------------------------------------------------------


def enforce_flow(flow: OutboundFlow, target: TargetMapping, hub: Engine, batch_id: str) -> RecordPolicy:
    """Once per run, before anything is delivered: the row rules of ``flow`` if its record type and every
    mapped field are allowed. Otherwise a ``policy_blocked`` ledger entry and an urgent operator alert
    are written and :class:`PolicyViolation` is raised: nothing of the run leaves, the watermark stays."""
    policy = policy_for(flow.partner)
    violations = policy.check_flow(flow, target)
    if not violations:
        return policy.record(flow.record_type)
    fields = sorted({v.field for v in violations if v.field})
    what = f"field(s) {', '.join(fields)}" if fields else f"record type {flow.record_type}"
    message = (
        f"policy blocked flow {flow.name} to partner {flow.partner}, record type {flow.record_type}: {what} "
        f"not allowed ({'; '.join(v.problem for v in violations)}). Nothing was delivered and the watermark did "
        f"not move: fix mappings/{flow.partner}.yaml or the policy file {policy.where}, then run the flow again."
    )
    with hub.begin() as connection:
        ledger.append(connection, [ledger.batch_trace(batch_id, flow.name, flow.partner, "OUT", BLOCKED, message)])
        raise_alerts(connection, [Alert(flow.name, flow.partner, "OUT", batch_id, None, message, urgent=True)])
    raise PolicyViolation(message)


def screen_rows(rules: RecordPolicy, frame: pd.DataFrame, key_field: str) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """(rows every rule allows, {record key: policy reasons} for the rows held back), one chunk at once."""
    if not rules.rows or frame.empty:
        return frame, {}
    allowed, reasons = rules.evaluate_rows(frame)
    keys = frame.loc[list(reasons), key_field].astype(str).tolist()  # by column, not one lookup per row
    held = dict(zip(keys, reasons.values(), strict=True))
    return frame[allowed.to_numpy(dtype=bool)], held


def alert_blocked_rows(
    connection: Connection, flow: OutboundFlow, batch_id: str, reasons: dict[str, list[str]], keys: Iterable[str]
) -> None:
    """One urgent alert per chunk saying how many rows the policy held back, and why (no personal data)."""
    keys = list(keys)
    if not keys:
        return
    counts: dict[str, int] = {}
    for key in keys:
        for reason in reasons[key]:
            counts[reason] = counts.get(reason, 0) + 1
    why = "; ".join(f"{reason} ({count})" for reason, count in sorted(counts.items()))
    message = (
        f"policy held back {len(keys)} row(s) of {flow.name} ({flow.record_type}) from partner {flow.partner}: "
        f"{why}. They are quarantined (`hub quarantine list --flow {flow.name}`), not delivered."
    )
    raise_alerts(connection, [Alert(flow.name, flow.partner, "OUT", batch_id, None, message, urgent=True)])


# --- what the project declares -------------------------------------------------------------------------


def declared_flows() -> list[OutboundFlow]:
    """Every outbound flow the project declares: module-level flows (or dicts of flows or of objects with
    a ``.flow``) in ``hub/flows.py`` and every ``hub/<package>/flows.py``, and one control flow per
    configured bank. A new flow declared there is checked and tested without touching this module."""
    import hub
    from hub.banks.config import configured_banks
    from hub.banks.flows import control_flow

    modules = [importlib.import_module("hub.flows")]
    for info in pkgutil.iter_modules(hub.__path__):
        if info.ispkg and (Path(hub.__path__[0]) / info.name / "flows.py").exists():
            modules.append(importlib.import_module(f"hub.{info.name}.flows"))
    found: dict[tuple[str, str], OutboundFlow] = {}
    for module in modules:
        for value in vars(module).values():
            for item in value.values() if isinstance(value, dict) else [value]:
                flow = item if isinstance(item, OutboundFlow) else getattr(item, "flow", None)
                if isinstance(flow, OutboundFlow):
                    found.setdefault((flow.name, flow.partner), flow)
    for bank in configured_banks():
        flow = control_flow(bank)
        found.setdefault((flow.name, flow.partner), flow)
    return list(found.values())
