"""The quality gate: run a flow's Great Expectations suite on each chunk, split passing and failing rows.

The suite is a file in ``expectations/`` (loaded, not built in code). The GE context, datasource and
validation definition are made once per gate (once per task); each chunk is one validation run with
``COMPLETE`` results, whose unexpected rows come back as row positions (GE builds one dict per failing
row when asked for key columns; positions cost nothing and map to record keys with one numpy take), so
every failed expectation is named per row. Rows that fail go to quarantine with all their reasons.

``expect_compound_columns_to_be_unique`` is the one expectation the gate evaluates itself, across every
chunk of a batch (:mod:`hub.quality.duplicates`): GE sees one chunk, and a duplicate in another chunk of
the same run would pass. The first occurrence of a compound key in the batch passes; each later one is
quarantined with the suite's reason and the key of the record that came first.

The batch fails when its failure rate so far passes the flow's threshold, judged once at least
``min_rows`` rows were checked so that a few bad rows in a small chunk do not stop a flow; the chunk that
tips it is neither delivered nor quarantined (the data needs a fix first, and its keys are not counted as
seen) and earlier chunks stay as they were.
"""

from __future__ import annotations

import json
import logging
import os
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from hub.errors import ConfigurationError, QualityGateError
from hub.quality import duplicates, ge_import, report
from hub.settings import get_settings

log = logging.getLogger(__name__)


@dataclass
class GateResult:
    passed: pd.DataFrame
    failures: dict[str, list[str]]  # record key → reasons
    checked: int

    @property
    def failure_rate(self) -> float:
        return len(self.failures) / self.checked if self.checked else 0.0

    def reason_counts(self) -> Counter:
        """How many rows failed each expectation (the reasons without the records they name)."""
        return Counter(duplicates.reason_family(reason) for reasons in self.failures.values() for reason in reasons)


reason_family = duplicates.reason_family  # for counting reasons: the record a duplicate names left out

#: Expectation types the gate evaluates over the whole batch instead of handing them to GE chunk by chunk.
BATCH_SCOPED = ("expect_compound_columns_to_be_unique",)


@dataclass
class _BatchUnique:
    """One ``expect_compound_columns_to_be_unique`` of the suite, checked across the chunks of a batch."""

    columns: list[str]
    ignore_row_if: str
    reason: str
    label: str
    seen: duplicates.FirstSeen = field(
        default_factory=lambda: duplicates.FirstSeen(get_settings().duplicate_keys_in_memory)
    )


@dataclass
class QualityGate:
    suite_path: Path
    key_field: str
    max_failure_rate: float
    name: str = "gate"
    min_rows: int = 100
    checked_total: int = 0
    failed_total: int = 0
    _validation = None
    _run: report.GateRunFigures | None = None
    _columns: set[str] | None = None  # the columns the suite names; None: it may read any
    _suite_document: dict = field(default_factory=dict)
    _batch_unique: list[_BatchUnique] = field(default_factory=list)

    def __post_init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        warnings.filterwarnings("ignore", module="great_expectations")
        gx = ge_import.great_expectations()
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.execution_engine import pandas_execution_engine

        # GE fingerprints every in-memory batch for its batch markers by hashing every cell (a fifth of a
        # chunk's validation time); the gate never reads the markers. The checks are not affected.
        pandas_execution_engine.HASH_THRESHOLD = 0

        import hub.quality.expectations  # noqa: F401  (registers the hub's custom expectations)

        try:
            self._suite_document = json.loads(self.suite_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"cannot load expectation suite {self.suite_path}: {exc}") from exc
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self._batch_unique = _batch_scoped(self._suite_document, self.suite_path)
        document = {
            **self._suite_document,
            "expectations": [e for e in self._suite_document.get("expectations", []) if _kind(e) not in BATCH_SCOPED],
        }
        try:
            suite = gx.ExpectationSuite(**document)
        except Exception as exc:
            raise ConfigurationError(f"expectation suite {self.suite_path} is not valid: {exc}") from exc
        suite = context.suites.add(suite)
        asset = context.data_sources.add_pandas(f"{self.name}_source").add_dataframe_asset(f"{self.name}_chunk")
        batch = asset.add_batch_definition_whole_dataframe("whole_chunk")
        self._validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{self.name}_validation", data=batch, suite=suite)
        )
        self._columns = _referenced_columns(self._suite_document, self.key_field)

    @property
    def suite_name(self) -> str:
        return self._suite_document.get("name", self.suite_path.stem)

    def check(self, chunk: pd.DataFrame) -> GateResult:
        """Validate one chunk. Never raises for bad data; raises QualityGateError past the threshold."""
        if chunk.empty:
            return GateResult(chunk, {}, 0)
        frame = self._suite_frame(chunk)
        result = self._validate(frame)
        keys = chunk[self.key_field].astype(str).to_numpy(dtype=object)
        failures: dict[str, list[str]] = {}
        figures = self._figures()
        figures.chunks += 1

        def fail(rows: object, reason: str) -> None:
            for key in keys[rows].tolist():
                reasons = failures.setdefault(key, [])
                if reason not in reasons:
                    reasons.append(reason)

        for outcome in result.results:
            config = outcome.expectation_config
            reason = (config.meta or {}).get("reason") or _describe(config)
            unexpected = outcome.result.get("unexpected_index_list") or []
            evaluated = outcome.result.get("element_count") or len(chunk)
            figures.add(_describe(config), reason, evaluated, 0 if outcome.success else len(unexpected))
            if outcome.success:
                continue
            if outcome.exception_info and outcome.exception_info.get("raised_exception"):
                raise ConfigurationError(
                    f"suite {self.suite_name}: expectation {_describe(config)} could not run: "
                    f"{outcome.exception_info.get('exception_message')}"
                )
            fail(np.asarray(unexpected, dtype=np.int64), reason)  # row positions: the frame has a RangeIndex
        pending = []
        for rule in self._batch_unique:
            absent = [c for c in rule.columns if c not in frame.columns]
            if absent:
                raise ConfigurationError(
                    f"suite {self.suite_name}: expectation {rule.label} could not run: the chunk has no column "
                    f"{', '.join(absent)}"
                )
            considered = np.flatnonzero(duplicates.considered_rows(frame, rule.columns, rule.ignore_row_if))
            hashes = duplicates.key_hashes(frame.iloc[considered], rule.columns)
            earlier, new_keys = rule.seen.check(hashes, keys[considered])
            pending.append((rule, new_keys))
            later = np.flatnonzero(earlier != None)  # noqa: E711  (elementwise)
            figures.add(rule.label, rule.reason, len(considered), len(later))
            for row, first in zip(considered[later].tolist(), earlier[later].tolist(), strict=True):
                failures.setdefault(keys[row], []).append(duplicates.first_seen_reason(rule.reason, first))
        failed = pd.Index(keys).isin(list(failures))  # hashed: np.isin compares objects pair by pair
        gate = GateResult(chunk[~failed], failures, len(chunk))
        checked, failed_count = self.checked_total + len(chunk), self.failed_total + len(failures)
        if checked >= self.min_rows and failed_count / checked > self.max_failure_rate:
            figures.stopped_by_threshold = True
            top = ", ".join(f"{r} ({n})" for r, n in gate.reason_counts().most_common(3))
            raise QualityGateError(
                f"suite {self.suite_name}: {failed_count} of {checked} rows failed so far in this batch "
                f"({failed_count / checked:.0%} > threshold {self.max_failure_rate:.0%}); top reasons in the last "
                f"chunk: {top}. That chunk was not delivered; fix the source data or raise the threshold."
            )
        self.checked_total, self.failed_total = checked, failed_count
        figures.rows_checked, figures.rows_failed = checked, failed_count
        for rule, new_keys in pending:  # only an accepted chunk's keys count as seen
            rule.seen.remember(new_keys)
        return gate

    def _validate(self, frame: pd.DataFrame):
        """Run the suite on ``frame`` through GE's validator: what ``ValidationDefinition.run`` does, less
        storing every result in the context's store (an ephemeral context keeps them all in memory, so a
        long batch grew by every chunk's unexpected lists)."""
        from great_expectations.validator.v1_validator import Validator

        validator = Validator(
            batch_definition=self._validation.batch_definition,
            batch_parameters={"dataframe": frame},
            result_format={"result_format": "COMPLETE", "return_unexpected_index_query": False},
        )
        return validator.validate_expectation_suite(self._validation.suite)

    def _suite_frame(self, chunk: pd.DataFrame) -> pd.DataFrame:
        """The chunk as the suite sees it: only the columns its expectations name (and the key), in dtypes
        that are cheap to filter (see :func:`_compact`), with a RangeIndex (GE reports unexpected rows by
        index label: here the row position). GE filters the frame again for every row condition and every
        null check, so the other columns (the long obligation text…) only cost time; the rows, their order
        and their values are the chunk's own."""
        names = self._columns
        frame = chunk if names is None else chunk[[c for c in chunk.columns if c in names]]
        compact = {c: _compact(frame[c]) for c in frame.columns}
        frame = frame.assign(**{c: v for c, v in compact.items() if v is not None})
        return frame.reset_index(drop=True)

    def begin(self, batch_id: str) -> None:
        """Start a gate run (one batch): cumulative figures and the threshold count from zero."""
        self.checked_total = self.failed_total = 0
        for rule in self._batch_unique:
            rule.seen.clear()
        self._run = report.GateRunFigures(
            flow=self.name,
            suite=self.suite_name,
            batch_id=batch_id,
            started_at=datetime.now().isoformat(timespec="seconds"),
            threshold=self.max_failure_rate,
        )

    def finish(self) -> Path | None:
        """Write the run's HTML validation report and figures (never fails the run over a report), and
        forget the batch's keys."""
        if self._run is None:
            return None
        try:
            return report.write(self._run)
        except OSError as error:
            log.warning("could not write the quality report of %s: %s", self.name, error)
            return None
        finally:
            self._run = None
            for rule in self._batch_unique:
                rule.seen.clear()  # the batch is over: its keys (and any scratch file) go

    def _figures(self) -> report.GateRunFigures:
        if self._run is None:
            self.begin("unnamed")
        return self._run


def _compact(column: pd.Series) -> pd.Series | None:
    """The column in a dtype GE filters and null-checks cheaply, with the same values; None to keep it.

    GE copies the frame for every row condition and scans it for nulls per expectation: on columns of
    Python objects each pass visits every object. Dates (``datetime.date`` objects, as the extract yields
    them) become ``datetime64`` and text with few distinct values (states, kinds, ID types) categorical;
    other text stays object (``str`` columns become object, which the identifier checks read directly).
    Only lossless conversions are made: a column with anything else in it is left as it is.
    """
    if isinstance(column.dtype, pd.StringDtype):
        column = column.astype(object)
    elif column.dtype != object:
        return None
    kind = pd.api.types.infer_dtype(column, skipna=True)
    if kind == "date":
        try:
            return pd.to_datetime(column)
        except (ValueError, OverflowError):  # outside datetime64's range: leave the objects
            return column
    if kind == "string" and len(column) >= 64 and len(pd.unique(column.to_numpy()[:512])) <= 64:
        codes, uniques = pd.factorize(column.to_numpy())  # (names and numbers are not even tried: see the sample)
        if len(uniques) * 8 <= len(column):
            return pd.Series(pd.Categorical.from_codes(codes, categories=uniques), index=column.index)
    return column


def _describe(config) -> str:
    kwargs = config.kwargs or {}
    target = (
        kwargs.get("column")
        or ",".join(str(kwargs[k]) for k in ("column_A", "column_B") if k in kwargs)
        or ",".join(kwargs.get("column_list", []))
    )
    return f"{config.type}({target})"


def _kind(expectation: dict) -> str:
    return expectation.get("type") or expectation.get("expectation_type") or ""


def _batch_scoped(document: dict, path: Path) -> list[_BatchUnique]:
    """The suite's batch-scoped expectations (:data:`BATCH_SCOPED`), checked for what the gate supports."""
    rules = []
    for expectation in document.get("expectations", []):
        if _kind(expectation) not in BATCH_SCOPED:
            continue
        kwargs = dict(expectation.get("kwargs") or {})
        columns = kwargs.pop("column_list", None)
        ignore_row_if = kwargs.pop("ignore_row_if", "all_values_are_missing")
        unsupported = sorted(set(kwargs) - {"result_format", "catch_exceptions", "meta"})
        if not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns):
            raise ConfigurationError(f"expectation suite {path}: {_kind(expectation)} needs a column_list of names")
        if ignore_row_if not in duplicates.IGNORE_ROW_IF or unsupported:
            raise ConfigurationError(
                f"expectation suite {path}: the gate checks {_kind(expectation)}({','.join(columns)}) across the "
                f"chunks of a batch and supports only column_list and ignore_row_if "
                f"({', '.join(duplicates.IGNORE_ROW_IF)}); got {', '.join(unsupported) or repr(ignore_row_if)}"
            )
        label = f"{_kind(expectation)}({','.join(columns)})"
        reason = (expectation.get("meta") or {}).get("reason") or label
        rules.append(_BatchUnique(columns, ignore_row_if, reason, label))
    return rules


def _referenced_columns(document: dict, key_field: str) -> set[str] | None:
    """Every name an expectation's kwargs could refer to a column by (a superset: value sets count too),
    or None when the suite may read columns it does not name (table-level expectations, quoted names)."""
    names = {key_field}
    for expectation in document.get("expectations", []):
        kind = _kind(expectation)
        if not kind.startswith(("expect_column_", "expect_compound_columns_", "expect_multicolumn_")):
            return None
        for text in _strings(expectation.get("kwargs") or {}):
            if "`" in text:
                return None
            names.add(text)
            names.update(re.findall(r"[^\W\d]\w*", text))  # identifiers inside a string row_condition
    return names


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list | tuple | set):
        return [text for item in value for text in _strings(item)]
    return []
