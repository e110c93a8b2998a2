"""Loading the ``layouts:`` section of a partner mapping file into :class:`~hub.filelayout.spec.Layout`\\ s,
checked before any file is read or written (a bad mapping is a configuration error naming the key)."""

from __future__ import annotations

import codecs
from pathlib import Path

import yaml

from hub.errors import ConfigurationError
from hub.filelayout.spec import FieldSpec, Layout, Section

_FIELD_KEYS = {"width", "type", "scale", "value", "role", "of", "optional"}


def _section(path: Path, kind: str, part: str, spec: dict | None, fixed: bool) -> Section | None:
    if spec is None:
        return None
    fields = []
    for name, rule in (spec.get("fields") or {}).items():
        rule = rule or {}
        unknown = set(rule) - _FIELD_KEYS
        if unknown:
            raise ConfigurationError(f"{path}: layouts.{kind}.{part}.{name}: unknown keys {sorted(unknown)}")
        if fixed and not rule.get("width"):
            raise ConfigurationError(f"{path}: layouts.{kind}.{part}.{name}: a fixed-width field needs a width")
        if rule.get("type", "text") not in ("text", "int", "decimal"):
            raise ConfigurationError(f"{path}: layouts.{kind}.{part}.{name}: type must be text, int or decimal")
        value = rule.get("value")
        fields.append(
            FieldSpec(
                name=name,
                width=rule.get("width"),
                type=rule.get("type", "text"),
                scale=int(rule.get("scale", 0)),
                value=None if value is None else str(value),
                role=rule.get("role"),
                of=rule.get("of"),
                optional=bool(rule.get("optional", False)),
            )
        )
    if not fields:
        raise ConfigurationError(f"{path}: layouts.{kind}.{part}: no fields")
    return Section(spec.get("tag"), tuple(fields))


def load_layouts(path: Path) -> dict[str, Layout]:
    """The ``layouts:`` section of a partner mapping file: file kind → Layout."""
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read mapping {path}: {exc}") from exc
    layouts = {}
    for kind, spec in (document.get("layouts") or {}).items():
        fmt = spec.get("format")
        if fmt not in ("fixed_width", "xml"):
            raise ConfigurationError(f"{path}: layouts.{kind}: format must be fixed_width or xml, not {fmt!r}")
        fixed = fmt == "fixed_width"
        record = _section(path, kind, "record", spec.get("record"), fixed)
        header = _section(path, kind, "header", spec.get("header"), fixed)
        trailer = _section(path, kind, "trailer", spec.get("trailer"), fixed)
        if fixed:
            for part, section in (("record", record), ("trailer", trailer)):
                if section is not None and section.fields[0].value is None:
                    raise ConfigurationError(f"{path}: layouts.{kind}.{part}: the first field must be a constant")
        elif not spec.get("root") or not record.tag or (trailer is not None and not trailer.tag):
            raise ConfigurationError(f"{path}: layouts.{kind}: XML needs root, record.tag and trailer.tag")
        totals = {f.of for f in (trailer.fields if trailer else ()) if f.role == "total"}
        if len(totals) > 1 or (totals and next(iter(totals)) not in {f.name for f in record.fields}):
            raise ConfigurationError(f"{path}: layouts.{kind}: the control total must be of one record field")
        encoding = spec.get("encoding", "utf-8")
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ConfigurationError(f"{path}: layouts.{kind}: unknown encoding {encoding!r}") from None
        layouts[kind] = Layout(
            partner=document["partner"],
            kind=kind,
            format=fmt,
            encoding=encoding,
            record=record,
            header=header,
            trailer=trailer,
            root=spec.get("root"),
            bom=spec.get("bom", "forbid"),
            line_ending=spec.get("line_ending", "\r\n"),
            file_pattern=spec.get("file_pattern", "*"),
            name_template=spec.get("name_template", "{kind}_{stamp}_{seq}"),
            total_of=next(iter(totals)) if totals else None,
            source=str(path),
        )
    return layouts
