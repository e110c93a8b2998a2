"""The XML block path (hub/filelayout/fastxml.py) against lxml's element-by-element path: a plainly written
file is read in runs; every other shape, and every hostile one, gives exactly the records, header, totals
and errors (message, line number, records read before it) of the reference."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from hub.filelayout import LayoutError, load_layouts
from hub.settings import PROJECT_ROOT

LAYOUT = load_layouts(PROJECT_ROOT / "mappings" / "bank_b.yaml")["response"]
HEADER = {"WJM": "RESP_1.xml", "QQWJM": "REQ_1.xml", "SCSJ": "20261127120000"}


def _records(n: int) -> list[dict]:
    return [
        {
            "FKBH": f"R{i:08d}", "BDHM": str(1000 + i), "FKLX": "2", "ZXJG": "1",
            "KHZH": f"6222{i:012d}" if i % 5 else None, "KHWDDM": "640104001", "ZHZT": "0",
            "ZHYE": Decimal("1234.50") + i, "KYYE": Decimal("0.00"), "BZ": "CNY", "KZNR": "1",
            "DJXE": Decimal("5000.00"), "SKJE": Decimal(i % 7), "WNKZYY": "部分冻结：余额不足" if i % 2 else None,
            "ZXDJJE": None, "ZXDJJG": "宁夏银川市公安局" if i % 3 == 0 else None,
        }
        for i in range(n)
    ]  # fmt: skip


def _file(n: int) -> bytes:
    handle = io.BytesIO()
    with LAYOUT.writer(handle, name="RESP_1.xml", header=HEADER) as writer:
        for record in _records(n):
            writer.write(record)
    return handle.getvalue()


def _blocks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@dataclass
class Outcome:
    records: list[dict]
    header: dict
    trailer: dict
    count: int
    total: Decimal
    error: str | None  # the reader's error; the records read before it are in ``records``
    in_runs: int = field(compare=False)  # records the block path read


def _outcome(data: bytes, *, vectorised: bool, size: int = 65_536) -> Outcome:
    reader = LAYOUT.read_blocks(iter(_blocks(data, size)), "RESP_X", vectorised=vectorised)
    records, error = [], None
    try:
        for record in reader:
            records.append(record)
    except LayoutError as exc:
        error = str(exc)
    return Outcome(records, reader.header, reader.trailer, reader.count, reader.total, error, reader.run_records)


def _same_as_reference(data: bytes, size: int = 65_536) -> Outcome:
    fast = _outcome(data, vectorised=True, size=size)
    assert fast == _outcome(data, vectorised=False)
    return fast


@pytest.mark.parametrize("size", [65_536, 4_099, 1_000_000])
def test_a_plainly_written_file_is_read_in_runs_with_the_reference_values(size):
    got = _same_as_reference(_file(5_000), size)
    assert got.error is None and got.count == 5_000 and got.in_runs == 5_000
    assert got.records[3]["ZHYE"] == Decimal("1237.50") and got.records[1]["WNKZYY"] == "部分冻结：余额不足"
    assert got.records[0]["KHZH"] is None and got.records[0]["ZXDJJE"] is None
    assert got.header == {"WJM": "RESP_1.xml", "QQWJM": "REQ_1.xml", "SCSJ": "20261127120000"}
    assert got.trailer["ZS"] == 5_000 and got.total == got.trailer["ZJE"]


def test_tiny_blocks_cut_records_anywhere_and_change_nothing():
    got = _same_as_reference(_file(60), size=7)
    assert got.error is None and got.in_runs == 60


def _record_line(data: bytes, number: int) -> bytes:
    return data.split(b"\n")[number + 1]  # line 1: declaration, line 2: root start tag


@pytest.mark.parametrize(
    "change",
    [
        lambda line: line.replace(b'FKLX="2" ZXJG="1"', b'ZXJG="1" FKLX="2"'),  # another attribute order
        lambda line: line.replace(b'FKLX="2"', b"FKLX='2'"),  # single quotes
        lambda line: line.replace(b'BZ="CNY"', b'BZ="C&amp;Y"'),  # an entity reference
        lambda line: line.replace(b'BZ="CNY"', b'BZ="&#67;NY"'),  # a character reference
        lambda line: line.replace(b'BZ="CNY"', b'BZ=" CNY "'),  # white space the reader strips
        lambda line: line.replace(b'BZ="CNY"', b'BZ="C\tN\nY"'),  # attribute-value normalisation
        lambda line: line.replace(b'BZ="CNY"', b'BZ="C>Y"'),  # ">" is allowed in a value
        lambda line: line + b"<!-- a comment -->",
        lambda line: line + b"<?pi here?>",
        lambda line: line + b" stray text ",
        lambda line: line.replace(b"/>", b"></FK>"),  # the same record, not self-closing
    ],
    ids=[
        "order",
        "quotes",
        "entity",
        "charref",
        "edge-space",
        "normalised",
        "gt",
        "comment",
        "pi",
        "text",
        "end-tag",
    ],
)
def test_an_unusual_but_well_formed_record_gives_the_reference_records(change):
    data = _file(3_000)
    lines = data.split(b"\n")
    lines[2_500 + 1] = change(lines[2_500 + 1])
    got = _same_as_reference(b"\n".join(lines))
    assert got.error is None and got.count == 3_000
    assert 0 < got.in_runs < 3_000  # runs up to the unusual record, element by element after it


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda line: line.replace(b'ZHYE="', b'ZHYE="12X'), "field ZHYE: '12X"),
        (lambda line: line.replace(b'FKLX="2"', b'FKLX=""'), "field FKLX: required value is missing"),
        (lambda line: line.replace(b'BZ="CNY"', b'BZ="C\x01Y"'), "not well-formed"),
        (lambda line: line.replace(b'BZ="CNY"', 'BZ="C\ufffeY"'.encode()), "not well-formed"),
        (lambda line: line.replace(b'BZ="CNY"', b'BZ="C<Y"'), "not well-formed"),
        (lambda line: line.replace(b'BZ="CNY"', b'BZ="C&Y"'), "not well-formed"),
        (lambda line: line.replace(b'BZ="CNY"', b'BZ="C\xffY"'), "not well-formed"),
        (lambda line: line.replace(b'BZ="CNY"', b'BZ="CNY" BZ="CNY"'), "not well-formed"),
        (lambda line: line.replace(b"/>", b">"), "unexpected nested <FK>"),
        (lambda line: line.replace(b"<FK ", b"<FKX "), "unexpected element <FKX>"),
        (lambda line: line.replace(b'FKBH="', b'FKBH2="'), "has no attribute FKBH"),
    ],
    ids=[
        "number",
        "required",
        "control",
        "not-a-character",
        "lt",
        "amp",
        "encoding",
        "twice",
        "unclosed",
        "element",
        "attribute",
    ],
)
def test_a_bad_record_deep_in_the_file_fails_like_the_reference_with_its_line_number(change, message):
    data = _file(3_000)
    lines = data.split(b"\n")
    lines[2_500 + 1] = change(lines[2_500 + 1])
    error = _same_as_reference(b"\n".join(lines)).error
    assert error is not None and message in error
    assert re.match(r"RESP_X: (line \d+|end): ", error)


def test_attributes_on_lines_of_their_own_are_still_read_in_runs_and_line_numbers_stay_right():
    data = _file(3_000).replace(b"<FK ", b"<FK\n  ").replace(b' ZXJG="', b'\n  ZXJG="')
    lines = data.split(b"\n")
    at = next(i for i, line in enumerate(lines) if b'ZHYE="3734.50"' in line)
    lines[at] = lines[at].replace(b'ZHYE="', b'ZHYE="12X')
    got = _same_as_reference(b"\n".join(lines))
    assert got.error == f"RESP_X: line {at + 1}: field ZHYE: '12X3734.50' is not a number"  # where the tag ends
    assert len(got.records) == 2_500 and got.in_runs > 0


@pytest.mark.parametrize("ending", [b"\r\n", b"\r"], ids=["crlf", "cr"])
def test_other_line_endings_give_the_reference_records_and_line_numbers(ending):
    data = _file(3_000).replace(b"\n", ending)
    assert _same_as_reference(data).count == 3_000
    bad = data.replace(b'ZHYE="3734.50"', b'ZHYE="12X"')
    assert "field ZHYE" in (_same_as_reference(bad).error or "")


def test_records_inside_a_comment_are_never_read():
    data = _file(200)
    cut = data.index(b"<FK ")
    hidden = b"<!-- " + _record_line(data, 1).replace(b'FKBH="R00000000"', b'FKBH="HIDDEN"') + b" -->\n"
    got = _same_as_reference(data[:cut] + hidden + data[cut:])
    assert got.error is None and "HIDDEN" not in {r["FKBH"] for r in got.records} and len(got.records) == 200


def test_a_doctype_or_comment_before_the_records_sends_the_whole_file_to_the_reference():
    data = _file(200)
    root = data.index(b"<CKKZFK")
    commented = data[:root] + b'<!-- <FK FKBH="X"/> -->\n' + data[root:]
    got = _same_as_reference(commented)
    assert got.error is None and got.in_runs == 0
    typed = data[:root] + b'<!DOCTYPE CKKZFK [<!ENTITY e "CNY">]>\n' + data[root:]
    assert _same_as_reference(typed.replace(b'BZ="CNY"', b'BZ="&e;"', 1)).in_runs == 0


@pytest.mark.parametrize("where", ["records", "trailer", "root-end"])
def test_a_truncated_file_fails_like_the_reference(where):
    data = _file(2_000)
    cut = {"records": len(data) // 2, "trailer": data.index(b"<HZ"), "root-end": data.index(b"</CKKZFK")}[where]
    assert _same_as_reference(data[:cut]).error is not None
