"""``hub validate KIND VALUE...``: check identifiers and say why they are invalid.

One line per value, ``valid`` with the parsed parts or ``invalid`` with the reason code and the precise
explanation. Exit status 0 when every value is valid, 1 when any is invalid, 2 on a usage error.

    $ hub validate ric 11010519491231002X 11010519491231002Y
    11010519491231002X valid birth_date=1949-12-31 sex=female region_code=110105 region_name=北京市朝阳区 legacy=no
    11010519491231002Y invalid checksum: check character is Y, expected X
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import click

from hub.errors import InvalidIdentifier
from hub.identifiers import bankcard, caseno, orgcode, plate, ric, uscc
from hub.identifiers._errors import IdentifierError, InvalidChecksum, UnknownCourt

#: KIND argument → identifier module.
KINDS: dict[str, ModuleType] = {
    "ric": ric,
    "uscc": uscc,
    "orgcode": orgcode,
    "plate": plate,
    "case-no": caseno,
    "bankcard": bankcard,
}


def _parts(kind: str, value: str) -> tuple[str, dict[str, Any]]:
    """(compact or canonical value, parts) of a valid value; raises InvalidIdentifier otherwise."""
    module = KINDS[kind]
    parsed = module.parse(value)
    parts = dataclasses.asdict(parsed)
    if kind == "ric":
        number = parts.pop("number")
        parts = {k: parts[k] for k in ("birth_date", "sex", "region_code", "region_name", "legacy")}
        if parsed.legacy:
            parts["number_18"] = parsed.number_18
        return number, parts
    if kind == "case-no":
        parts["canonical"] = parsed.canonical
        return parsed.canonical, parts
    if kind == "orgcode":
        parts.pop("number")
        return parsed.formatted, parts
    if kind == "bankcard":
        number = parts.pop("number")
        return number, parts
    return parts.pop("number"), parts


def check(kind: str, value: str) -> dict[str, Any]:
    """The outcome for one value as a JSON-ready dict (``valid`` true/false, parts or reason)."""
    try:
        normalised, parts = _parts(kind, value)
    except InvalidIdentifier as exc:
        outcome: dict[str, Any] = {
            "kind": kind,
            "input": value,
            "valid": False,
            "reason": exc.reason,
            "message": str(exc),
            "detail": exc.detail if isinstance(exc, IdentifierError) else str(exc),
        }
        if isinstance(exc, InvalidChecksum):
            outcome["found"] = exc.found
            outcome["expected"] = exc.expected
        if isinstance(exc, UnknownCourt):
            outcome["province"] = exc.province
        return outcome
    return {"kind": kind, "input": value, "valid": True, "value": normalised, "parts": _jsonable(parts)}


def _jsonable(parts: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in parts.items()}


def _shown(value: str) -> str:
    if value and value == value.strip() and not any(ch.isspace() for ch in value):
        return value
    return json.dumps(value, ensure_ascii=False)


def _text(outcome: dict[str, Any]) -> str:
    shown = _shown(outcome["input"])
    if not outcome["valid"]:
        return f"{shown} invalid {outcome['reason']}: {outcome['detail']}"
    fields = []
    for key, item in outcome["parts"].items():
        if item is None:
            continue
        if isinstance(item, bool):
            item = "yes" if item else "no"
        fields.append(f"{key}={item}")
    normalised = outcome["value"]
    prefix = shown if normalised == outcome["input"] else f"{shown} ({normalised})"
    return f"{prefix} valid " + " ".join(fields)


def _stdin_values() -> Iterator[str]:
    for line in sys.stdin:
        value = line.rstrip("\r\n")
        if value.strip():
            yield value


@click.command("validate")
@click.argument("kind", type=click.Choice(list(KINDS), case_sensitive=False), metavar="KIND")
@click.argument("values", nargs=-1, metavar="[VALUE]...")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line instead of text.")
@click.pass_context
def command(ctx: click.Context, kind: str, values: tuple[str, ...], as_json: bool) -> None:
    """Check identifiers of KIND: ric, uscc, orgcode, plate, case-no, bankcard.

    With no VALUE (and standard input not a terminal), or VALUE "-", values are read from standard
    input, one per line (blank lines are skipped).

    Prints one line per value: "valid" with its parts (birth date, region, court, type ...) or
    "invalid" with the reason (length, character, checksum with the expected check character, date,
    future_date, region, type, court). Exit status: 0 all valid, 1 some invalid, 2 usage error.
    """
    kind = kind.lower()
    if not values and sys.stdin.isatty():
        raise click.UsageError("no values to check: give VALUE arguments, or - to read a terminal", ctx=ctx)
    inputs: list[str] = []
    for value in values or ("-",):
        if value == "-":
            inputs.extend(_stdin_values())
        else:
            inputs.append(value)
    if not inputs:
        raise click.UsageError("no values to check: give VALUE arguments or lines on standard input", ctx=ctx)
    all_valid = True
    for value in inputs:
        outcome = check(kind, value)
        all_valid &= outcome["valid"]
        click.echo(json.dumps(outcome, ensure_ascii=False) if as_json else _text(outcome))
    ctx.exit(0 if all_valid else 1)
