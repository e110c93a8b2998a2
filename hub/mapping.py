"""The generic mapping engine: a partner's dialect is data (``mappings/<partner>.yaml``), not code.

A mapping names, per record type, the partner table (or message), its key and version columns, and how
each partner column is made from canonical columns: ``source`` (rename), ``value`` (constant), ``codes``
(a code table; an unknown code is an error, never passed through), ``date_format``, ``transform`` (a
named vectorised function from :data:`TRANSFORMS`), ``optional``. Mapping works on a whole chunk
(pandas) at once; rows that cannot be mapped come back with a reason naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from hub.errors import ConfigurationError
from hub.identifiers import ric


def mask_resident_id(values: pd.Series, frame: pd.DataFrame) -> pd.Series:
    """Resident IDs in their published, masked form (:func:`hub.identifiers.ric.mask`, on arrays);
    other identifiers stay as they are: organisations' codes are public (PIPL; SPC publication rules)."""
    text = values.astype("string")
    is_person_id = frame["id_type"].eq("RIC") & text.str.len().eq(18)
    hidden = "*" * (18 - ric.MASK_KEEP_HEAD - ric.MASK_KEEP_TAIL)
    masked = text.str.slice(0, ric.MASK_KEEP_HEAD) + hidden + text.str.slice(18 - ric.MASK_KEEP_TAIL, 18)
    return text.where(~is_person_id, masked)


def age_on(values: pd.Series, frame: pd.DataFrame, *, date_column: str) -> pd.Series:
    """Whole years between a birth date (``values``) and the date in column ``date_column``."""
    born = pd.to_datetime(values, errors="coerce")
    when = pd.to_datetime(frame[date_column], errors="coerce")
    years = when.dt.year - born.dt.year
    before_birthday = (when.dt.month < born.dt.month) | ((when.dt.month == born.dt.month) & (when.dt.day < born.dt.day))
    return (years - before_birthday.astype("Int64")).astype("Int64")


TRANSFORMS: dict[str, Callable[..., pd.Series]] = {
    "mask_resident_id": mask_resident_id,
    "age_on": age_on,
}


@dataclass(frozen=True)
class ColumnRule:
    name: str
    source: str | None = None
    value: object = None
    codes: str | None = None
    date_format: str | None = None
    transform: str | None = None
    transform_args: dict = field(default_factory=dict)
    optional: bool = False


@dataclass(frozen=True)
class TargetMapping:
    """How one canonical record type becomes rows of one partner table."""

    record_type: str
    table: str
    key: str
    version: str | None
    columns: tuple[ColumnRule, ...]
    code_tables: dict[str, dict]
    reset_on_update: dict[str, object] = field(default_factory=dict)
    acknowledgement: dict[str, str] = field(default_factory=dict)
    cursor_time: str | None = None  # inbound: the partner column the hub pages by, with ``key``
    row_filter: dict[str, object] = field(default_factory=dict)  # inbound: partner rows of this type

    @property
    def column_names(self) -> list[str]:
        return [rule.name for rule in self.columns]

    def apply(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, list[str]]]:
        """Map a chunk. Returns the partner rows (same index) and ``{row index: [reasons]}`` for rows
        that could not be mapped; those rows are left out of the result."""
        out: dict[str, pd.Series] = {}
        errors: dict[int, list[str]] = {}

        def fail(mask: pd.Series, message: Callable[[object], str], values: pd.Series) -> None:
            for index in frame.index[mask.to_numpy(dtype=bool)]:
                errors.setdefault(index, []).append(message(values.loc[index]))

        for rule in self.columns:
            if rule.source is not None:
                if rule.source not in frame.columns:
                    raise ConfigurationError(
                        f"mapping {self.record_type}→{self.table}: column {rule.name} reads canonical field "
                        f"{rule.source!r}, which the flow does not extract"
                    )
                series = frame[rule.source]
            else:
                series = pd.Series([rule.value] * len(frame), index=frame.index, dtype=object)
            if rule.transform:
                series = TRANSFORMS[rule.transform](series, frame, **rule.transform_args)
            # Judge "missing" on the input: a bad code or date is reported as such, not twice.
            missing = series.isna() | blank_text(series)
            if rule.codes:
                table = self.code_tables[rule.codes]
                coded = series.map(table)
                unknown = series.notna() & coded.isna()
                fail(
                    unknown,
                    lambda v, rule=rule: f"field {rule.name}: code '{v}' is not in code table {rule.codes}",
                    series,
                )
                series = coded
            if rule.date_format:
                bad, formatted = _format_dates(series, rule.date_format)
                fail(bad, lambda v, rule=rule: f"field {rule.name}: '{v}' is not a date", series)
                series = formatted
            if not rule.optional:
                fail(
                    missing,
                    lambda _v, rule=rule: (
                        f"field {rule.name} (from {rule.source or 'constant'}): required value is missing"
                    ),
                    series,
                )
            out[rule.name] = series
        mapped = pd.DataFrame(out, index=frame.index)
        if errors:
            mapped = mapped.drop(index=list(errors))
        return mapped, errors


def blank_text(series: pd.Series) -> pd.Series:
    """Values that are empty or whitespace-only strings: ``astype("string").str.strip().eq("")``, which only
    a ``str`` can satisfy (a number, date or timestamp never prints blank), judged without converting."""
    if series.dtype.kind in "iufbMm" and not isinstance(series.dtype, pd.StringDtype):
        return pd.Series(False, index=series.index)
    values = series.to_numpy(dtype=object)
    present = series.notna().to_numpy(dtype=bool)
    texts = values[present]
    blank = np.zeros(len(values), dtype=bool)
    if pd.api.types.infer_dtype(texts, skipna=False) == "string":  # all str: C-level checks
        blank[present] = (texts == "") | np.fromiter(map(str.isspace, texts), dtype=bool, count=len(texts))
    else:
        blank[present] = [isinstance(v, str) and not v.strip() for v in texts]
    return pd.Series(blank, index=series.index)


def _format_dates(series: pd.Series, date_format: str) -> tuple[pd.Series, pd.Series]:
    """(values that are not dates, the dates in ``date_format``): ``pd.to_datetime(errors="coerce")`` then
    ``strftime``. When the values are date or datetime objects, each distinct value is converted and
    formatted once (a chunk holds a few thousand distinct dates); strings keep the whole-column parse,
    whose format inference depends on the column."""
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind not in ("date", "datetime", "datetime64") or not len(series):
        dates = pd.to_datetime(series, errors="coerce")
        return series.notna() & dates.isna(), dates.dt.strftime(date_format)
    codes, uniques = pd.factorize(series)
    dates = pd.to_datetime(pd.Series(uniques), errors="coerce")
    formatted = dates.dt.strftime(date_format)
    bad = (codes >= 0) & dates.isna().to_numpy(dtype=bool)[codes]
    values = formatted.array.take(codes, allow_fill=True)
    return pd.Series(bad, index=series.index), pd.Series(values, index=series.index)


def to_python_rows(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain Python dicts (None for missing, int not numpy.int64): what DB drivers accept."""
    objects = frame.astype(object).where(frame.notna(), None)
    rows = objects.to_dict("records")
    for row in rows:
        for column, value in row.items():
            if isinstance(value, np.generic):
                row[column] = value.item()
            elif isinstance(value, pd.Timestamp):
                row[column] = value.to_pydatetime()
    return rows


@dataclass(frozen=True)
class PartnerMapping:
    partner: str
    description: str
    targets: dict[str, TargetMapping]
    source_path: Path
    inbound: dict[str, TargetMapping] = field(default_factory=dict)

    def target(self, record_type: str) -> TargetMapping:
        """The outbound mapping (canonical → partner) of ``record_type``."""
        return self._find(self.targets, record_type, "targets")

    def inbound_target(self, record_type: str) -> TargetMapping:
        """The inbound mapping (partner → canonical) of ``record_type``."""
        return self._find(self.inbound, record_type, "inbound")

    def _find(self, section: dict, record_type: str, name: str) -> TargetMapping:
        try:
            return section[record_type]
        except KeyError:
            raise ConfigurationError(
                f"{self.source_path}: no {name} mapping for record type {record_type!r}; it maps {sorted(section)}"
            ) from None


def _parse_target(path: Path, record_type: str, spec: dict, code_tables: dict, inbound: bool) -> TargetMapping:
    rules = []
    for name, rule in spec["columns"].items():
        rule = rule or {}
        unknown = set(rule) - {"source", "value", "codes", "date_format", "transform", "args", "optional"}
        if unknown:
            raise ConfigurationError(f"{path}: {record_type}.{name}: unknown keys {sorted(unknown)}")
        if rule.get("codes") and rule["codes"] not in code_tables:
            raise ConfigurationError(f"{path}: {record_type}.{name}: no code table {rule['codes']!r}")
        if rule.get("transform") and rule["transform"] not in TRANSFORMS:
            raise ConfigurationError(
                f"{path}: {record_type}.{name}: unknown transform {rule['transform']!r}; known: {sorted(TRANSFORMS)}"
            )
        if ("source" in rule) == ("value" in rule):
            raise ConfigurationError(f"{path}: {record_type}.{name}: give exactly one of source, value")
        rules.append(
            ColumnRule(
                name=name,
                source=rule.get("source"),
                value=rule.get("value"),
                codes=rule.get("codes"),
                date_format=rule.get("date_format"),
                transform=rule.get("transform"),
                transform_args=rule.get("args") or {},
                optional=bool(rule.get("optional", False)),
            )
        )
    names = [r.name for r in rules]
    required = [] if inbound else [spec.get("key"), spec.get("version")]
    for column in required:
        if column not in names:
            raise ConfigurationError(f"{path}: {record_type}: key/version column {column} is not mapped")
    return TargetMapping(
        record_type=record_type,
        table=spec["table"],
        key=spec["key"],
        version=spec.get("version"),
        columns=tuple(rules),
        code_tables=code_tables,
        reset_on_update=spec.get("reset_on_update") or {},
        acknowledgement=spec.get("acknowledgement") or {},
        cursor_time=spec.get("cursor_time"),
        row_filter=spec.get("filter") or {},
    )


def load_mapping(path: Path) -> PartnerMapping:
    """Load and check a partner mapping file; errors name the file and the entry."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read mapping {path}: {exc}") from exc
    code_tables = document.get("code_tables", {})
    sections = {}
    for section, inbound in (("targets", False), ("inbound", True)):
        sections[section] = {
            record_type: _parse_target(path, record_type, spec, code_tables, inbound)
            for record_type, spec in (document.get(section) or {}).items()
        }
    return PartnerMapping(
        document["partner"], document.get("description", ""), sections["targets"], path, sections["inbound"]
    )
