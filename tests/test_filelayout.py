"""The file layout engine on both bank dialects: round trips, and every kind of bad input refused with the
file named (truncated, trailer count or control total wrong, wrong encoding, byte-order mark)."""

from __future__ import annotations

import codecs
import io
from decimal import Decimal
from pathlib import Path

import pytest

from hub.filelayout import LayoutError, load_layouts
from hub.settings import PROJECT_ROOT

BANKS = ["bank_a", "bank_b"]


def layouts(bank: str):
    return load_layouts(PROJECT_ROOT / "mappings" / f"{bank}.yaml")


def _response_records(n: int) -> list[dict]:
    records = []
    for i in range(n):
        records.append(
            {
                "JGBH": f"R{i:08d}", "FKBH": f"R{i:08d}", "BDHM": str(1000 + i), "JGLX": "2", "FKLX": "2",
                "CLJG": "0", "ZXJG": "00", "KHZH": f"6222{i:012d}", "KHWDDM": "640104001", "ZHZT": "1",
                "YE": Decimal("1234.50") + i, "ZHYE": Decimal("1234.50") + i, "KYYE": Decimal("0.00"), "BZ": "CNY",
                "KZNR": "1", "DJXE": Decimal("5000.00"), "SKJE": Decimal("1234.50") + i,
                "WNKZYY": "部分冻结：余额不足" if i % 2 else None, "YDJJE": None, "ZXDJJE": None,
                "YDJJG": "宁夏银川市公安局" if i % 3 == 0 else None, "ZXDJJG": None,
            }
        )  # fmt: skip
    return records


def _write(bank: str, kind: str, path: Path, records: list[dict], header: dict | None = None) -> Path:
    layout = layouts(bank)[kind]
    with open(path, "wb") as handle, layout.writer(handle, name=path.name, header=header or {}) as writer:
        for record in records:
            writer.write(record)
    return path


HEADER = {"WJM": "RESP_1.dat", "QQWJM": "REQ_1.dat", "SCSJ": "20261127120000"}


@pytest.mark.parametrize("bank", BANKS)
def test_response_round_trip(bank, tmp_path):
    records = _response_records(25)
    path = _write(bank, "response", tmp_path / "RESP_1", records, HEADER)
    reader = layouts(bank)["response"].reader(path)
    got = list(reader)
    assert reader.header["QQWJM"] == "REQ_1.dat"
    assert len(got) == 25 and reader.count == 25
    key = "JGBH" if bank == "bank_a" else "FKBH"
    assert [r[key] for r in got] == [r[key] for r in records]
    assert got[1]["WNKZYY"] == "部分冻结：余额不足" and got[0]["SKJE"] == Decimal("1234.50")
    assert reader.total == sum(r["SKJE"] for r in records)


def test_bank_a_is_gb18030_fixed_width_and_bank_b_utf8_xml(tmp_path):
    a = _write("bank_a", "response", tmp_path / "a", _response_records(2), HEADER).read_bytes()
    b = _write("bank_b", "response", tmp_path / "b", _response_records(2), HEADER).read_bytes()
    assert "部分冻结".encode("gb18030") in a and len({len(line) for line in a.split(b"\r\n")[1:3]}) == 1
    assert b.startswith(b'<?xml version="1.0" encoding="UTF-8"?>') and 'WNKZYY="部分冻结'.encode() in b


def test_requests_round_trip_through_both_dialects(tmp_path):
    for bank, amount in (("bank_a", "JE"), ("bank_b", "DJXE")):
        record = {
            "BDHM": "77", "BBH": 2, "KZLX": "02", "XM": "张三", "ZJLX": "01", "DSRZJHM": "640104199001011234",
            "AH": "（2026）宁0104执123号", "FYDM": "宁0104", "CBR": "李四", "GZZBH": "GZ001", "GWZBH": "GW001",
            amount: "5000.5", "KSRQ": "20261127", "JSRQ": "20271126",
        }  # fmt: skip
        path = _write(bank, "request", tmp_path / bank, [record], {"WJM": "x", "SCSJ": "1", "FSF": "NXFY"})
        (got,) = list(layouts(bank)["request"].reader(path))
        assert got["AH"] == "（2026）宁0104执123号" and got[amount] == Decimal("5000.50") and got["BBH"] == 2


@pytest.mark.parametrize("bank", BANKS)
def test_truncated_file_is_refused(bank, tmp_path):
    path = _write(bank, "response", tmp_path / "RESP_T", _response_records(10), HEADER)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(LayoutError, match=r"RESP_T: .*(truncated|bytes where)"):
        list(layouts(bank)["response"].reader(path))


@pytest.mark.parametrize("bank", BANKS)
def test_file_cut_exactly_before_the_trailer_is_refused(bank, tmp_path):
    path = _write(bank, "response", tmp_path / "RESP_T", _response_records(3), HEADER)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1] if bank == "bank_a" else lines[:-2]))
    with pytest.raises(LayoutError, match=r"RESP_T: .*truncated"):
        list(layouts(bank)["response"].reader(path))


@pytest.mark.parametrize("bank", BANKS)
@pytest.mark.parametrize("wrong", ["count", "total"])
def test_trailer_count_or_control_total_mismatch_is_refused(bank, wrong, tmp_path):
    records = _response_records(4)
    path = _write(bank, "response", tmp_path / "RESP_M", records, HEADER)
    data = path.read_bytes()
    if wrong == "count":
        old, new = ("T0000000004", "T0000000005") if bank == "bank_a" else ('ZS="4"', 'ZS="5"')
    else:
        total = f"{sum(r['SKJE'] for r in records):.2f}"
        old, new = total, f"{Decimal(total) + 1:.2f}"
        if bank == "bank_a":
            old, new = old.rjust(20, "0"), new.rjust(20, "0")
    assert data.count(old.encode()) == 1
    path.write_bytes(data.replace(old.encode(), new.encode()))
    match = "record count 5" if wrong == "count" else "control total"
    with pytest.raises(LayoutError, match=f"RESP_M: trailer: {match}"):
        list(layouts(bank)["response"].reader(path))


@pytest.mark.parametrize("bank", BANKS)
def test_wrong_encoding_is_refused(bank, tmp_path):
    path = _write(bank, "response", tmp_path / "RESP_E", _response_records(3), HEADER)
    text = path.read_bytes().decode(layouts(bank)["response"].encoding)
    path.write_bytes(text.encode("utf-8" if bank == "bank_a" else "gb18030"))
    with pytest.raises(LayoutError, match=r"RESP_E: .*(wrong encoding|not gb18030|not GB18030)"):
        list(layouts(bank)["response"].reader(path))


def test_a_bom_is_refused_on_gb18030_and_stripped_on_utf8_xml(tmp_path):
    a = _write("bank_a", "response", tmp_path / "RESP_A", _response_records(2), HEADER)
    a.write_bytes(codecs.BOM_UTF8 + a.read_bytes())
    with pytest.raises(LayoutError, match="RESP_A: start: begins with a UTF-8 byte-order mark"):
        list(layouts("bank_a")["response"].reader(a))
    b = _write("bank_b", "response", tmp_path / "RESP_B", _response_records(2), HEADER)
    b.write_bytes(codecs.BOM_UTF8 + b.read_bytes())
    assert len(list(layouts("bank_b")["response"].reader(b))) == 2
    b.write_bytes(codecs.BOM_UTF16_LE + b.read_bytes()[3:])
    with pytest.raises(LayoutError, match="RESP_B: start: begins with a UTF-16LE byte-order mark"):
        list(layouts("bank_b")["response"].reader(b))


def test_xml_entities_and_unknown_elements_are_not_trusted(tmp_path):
    path = tmp_path / "RESP_X"
    path.write_bytes(
        b'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<CKKZFK WJM="a" QQWJM="b" SCSJ="c"><Z/></CKKZFK>'
    )
    with pytest.raises(LayoutError, match=r"RESP_X: .*unexpected element <Z>"):
        list(layouts("bank_b")["response"].reader(path))


def test_a_value_that_does_not_fit_is_never_truncated():
    layout = layouts("bank_a")["response"]
    record = _response_records(1)[0] | {"WNKZYY": "很长的原因" * 20}
    with pytest.raises(LayoutError, match="field WNKZYY needs 200 bytes, its width is 80"):
        layout.writer(io.BytesIO(), name="RESP_W", header=HEADER).write(record)


# -- the block (vectorised) paths against the record-by-record reference --------------------------------
KINDS = ["request", "response", "statement"]


def _odd_values(spec, fixed: bool, encoding: str, style: int) -> list:
    """Awkward but valid values for one field: Chinese text, full-width values, inner and leading spaces,
    XML specials, NUL, empty optional fields; numbers as canonical text (style 0), as Decimal and int
    (style 1), or mixed with ones the column path leaves to the record path (style 2: negative,
    non-canonical text, a separator byte inside a Chinese value)."""
    if spec.type == "text":
        pool = ["A", "张三丰", "a b  c", " 前导空格", "全角　空格", "（2026）宁0104执123号", "x" * 80, "中" * 40]
        pool += ["tab\there", "nul\x00byte"] if fixed else ["amp & <lt> \"quote\" 'apos'", "tab\tin"]
        pool += ["中\x1f文"] if style == 2 and fixed else []
    elif spec.type == "int":
        pool = [0, 7, 123456]
    else:
        pool = [
            ["0.00", "12.30", "000123.45", "99999.99"],
            [Decimal("1.005"), Decimal("99"), Decimal("0"), Decimal("123456.785")],
            ["5000.5", Decimal("-12.50"), 0, "12.30"],
        ][style]
    if spec.optional:
        pool += [None, ""]
    if fixed:
        pool = [v for v in pool if len(str(v).encode(encoding)) <= spec.width]
    return pool


def _odd_records(layout, n: int, *, style: int = 0, sparse: bool = False) -> list[dict]:
    """Records whose values cycle through the pools of ``style``; ``sparse``: optional fields all empty."""
    fixed = layout.format == "fixed_width"
    fields = [f for f in layout.record.fields if f.value is None]
    pools = [_odd_values(f, fixed, layout.encoding, style) for f in fields]
    records = []
    for i in range(n):
        record = {}
        for j, (spec, pool) in enumerate(zip(fields, pools, strict=True)):
            record[spec.name] = None if sparse and spec.optional else pool[(i * 7 + j * 3 + i // 97) % len(pool)]
        records.append(record)
    return records


def _build(layout, records: list[dict], *, vectorised: bool, blocked: list | None = None) -> bytes:
    handle = io.BytesIO()
    header = {f.name: "H" for f in layout.header.fields} if layout.header else {}
    with layout.writer(handle, name="F", header=header, vectorised=vectorised) as writer:
        for record in records:
            writer.write(record)
    if blocked is not None:
        blocked.append(writer.block_rows)
    return handle.getvalue()


@pytest.mark.parametrize("bank", BANKS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("style", "sparse"), [(0, False), (1, False), (0, True), (2, False)], ids=["text", "decimal", "sparse", "mixed"]
)
def test_block_builder_writes_the_same_bytes_as_the_record_by_record_writer(bank, kind, style, sparse):
    layout = layouts(bank)[kind]
    records = _odd_records(layout, 9_000, style=style, sparse=sparse)  # blocks, and a partial one at the end
    blocked: list[int] = []
    fast = _build(layout, records, vectorised=True, blocked=blocked)
    assert fast == _build(layout, records, vectorised=False)
    assert "张三丰".encode(layout.encoding) in fast
    if style != 2:  # the column path built every block (not everything fell back to the reference)
        assert blocked == [9_000]


@pytest.mark.parametrize("bank", BANKS)
@pytest.mark.parametrize("kind", KINDS)
def test_block_reader_gives_the_same_records_header_and_totals_as_the_line_reader(bank, kind):
    layout = layouts(bank)[kind]
    data = _build(layout, _odd_records(layout, 9_000), vectorised=True)
    blocks = [data[i : i + 65_536] for i in range(0, len(data), 65_536)]  # records cut across blocks
    fast = layout.read_blocks(iter(blocks), "F", vectorised=True)
    slow = layout.read_blocks(iter([data]), "F", vectorised=False)
    assert list(fast) == list(slow)
    assert (fast.header, fast.trailer, fast.count, fast.total) == (slow.header, slow.trailer, slow.count, slow.total)
    assert fast.count == 9_000
    assert fast.run_records >= 8_000 or layout.format == "xml"  # fixed width: read in runs, not line by line


def _first_error(run) -> tuple[str, int]:
    done = 0
    with pytest.raises(LayoutError) as caught:
        for _ in run():
            done += 1
    return str(caught.value), done


@pytest.mark.parametrize("bank", BANKS)
def test_a_bad_record_deep_in_a_block_fails_with_the_same_message_and_bytes_as_record_by_record(bank):
    layout = layouts(bank)["response"]
    records = _odd_records(layout, 6_000)
    key = "WNKZYY"
    records[4_321] = records[4_321] | {key: "line\nbreak" if bank == "bank_b" else "很长的原因" * 20}
    outcomes = []
    for vectorised in (True, False):
        handle = io.BytesIO()
        writer = layout.writer(handle, name="RESP_B", header=HEADER, vectorised=vectorised)
        with pytest.raises(LayoutError) as caught:
            for record in records:
                writer.write(record)
            writer.close()
        outcomes.append((str(caught.value), handle.getvalue()))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0].startswith("RESP_B: record 4322: field WNKZYY")


@pytest.mark.parametrize(
    ("offset", "new", "replace"),
    [
        (112, b"0000000000123X5.67", True),  # YE: not a number
        (0, b"E", True),  # a line that is neither record nor trailer
        (188, b"\xff\xfe\xff\xfe", True),  # WNKZYY: not GB18030
        (0, b"\r\n", False),  # an empty line
    ],
    ids=["number", "lead", "encoding", "blank-line"],
)
def test_a_bad_line_deep_in_a_run_is_reported_with_its_line_number_like_the_line_reader(offset, new, replace):
    layout = layouts("bank_a")["response"]
    data = _build(layout, _response_records(5_000), vectorised=True)
    at = layout.header.width + 2 + 3_001 * (layout.record.width + 2) + offset  # record 3002, line 3003
    data = data[:at] + new + data[at + (len(new) if replace else 0) :]
    fast = _first_error(lambda: layout.read_blocks(iter([data[:400_000], data[400_000:]]), "RESP_D"))
    slow = _first_error(lambda: layout.read_blocks(iter([data]), "RESP_D", vectorised=False))
    assert fast == slow
    assert fast[0].startswith("RESP_D: line 3003: ") and fast[1] == 3_001


def test_runs_with_bare_newline_endings_treat_a_carriage_return_like_the_line_reader(tmp_path):
    mapping = tmp_path / "bank_t.yaml"
    mapping.write_text(
        'partner: bank_t\nlayouts:\n  f:\n    format: fixed_width\n    encoding: utf-8\n    line_ending: "\\n"\n'
        "    record: {fields: {BS: {width: 1, value: D}, V: {width: 3}}}\n"
        "    trailer: {fields: {BS: {width: 1, value: T}, N: {width: 4, type: int, role: count}}}\n"
    )
    layout = load_layouts(mapping)["f"]
    good = b"Dabc\n" * 9 + b"T0009\n"
    reader = layout.read_blocks(iter([good]), "T_OK")
    assert [r["V"] for r in reader] == ["abc"] * 9 and reader.run_records == 9
    bad = b"Dabc\n" * 5 + b"Dab\r\n" + b"Dabc\n" * 3 + b"T0009\n"  # the line path drops the "\r": too short
    fast = _first_error(lambda: layout.read_blocks(iter([bad]), "T_CR"))
    slow = _first_error(lambda: layout.read_blocks(iter([bad]), "T_CR", vectorised=False))
    assert fast == slow == ("T_CR: line 6: 3 bytes where the layout has 4 (truncated, or not utf-8)", 5)
