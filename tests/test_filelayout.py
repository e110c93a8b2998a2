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
