"""The synthetic case system: deterministic, realistic where the hub looks, broken exactly where it says."""

from __future__ import annotations

import os
import re
import socket
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import create_engine, func, select, text
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent

from hub.casesystem.schema import cases, consumption_restrictions, dishonest_entries, parties
from hub.errors import ConfigurationError
from hub.identifiers.courts import COURTS
from sandbox.case_generator import (
    DEFECT_KINDS,
    GENERATED_TABLES,
    GeneratorConfig,
    evolve,
    generate,
    reset,
)

MARIADB_HOST, MARIADB_PORT = "127.0.0.1", 3306
CASE_NO = re.compile(r"^（(?P<year>\d{4})）(?P<court>宁\d*)(?P<type>执恢|执)(?P<seq>[1-9]\d*)号$")
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
RATE = 0.14  # 2% of listings per defect kind


def _engine(path):
    return create_engine(f"sqlite:///{path}")


def _dump(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {t.name: [tuple(r) for r in conn.execute(select(t).order_by(t.c.id))] for t in GENERATED_TABLES}


def _rows(engine, table) -> list:
    with engine.connect() as conn:
        return list(conn.execute(select(table).order_by(table.c.id)))


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _ric_structurally_valid(number: str) -> bool:
    """stdnum's checks minus one: it also requires the birth year inside the region code's period of use.

    domain.md: the code is where the number was first assigned, often years after birth, so a 兴庆区
    (640104, created 2002) number of someone born in 1970 is valid although ric.is_valid says no.
    """
    try:
        return bool(ric.validate(number))
    except InvalidComponent:
        from stdnum import numdb

        ric.get_birth_date(number)  # raises if the date part is not a date
        return bool(numdb.get("cn/loc").info(number[:6])[-1][1])
    except Exception:
        return False


def _orgcode_check(body: str) -> str:
    """GB 11714, written again from domain.md, independently of the generator."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(c) if c.isdigit() else ord(c) - ord("A") + 10) * w for c, w in zip(body, weights, strict=True))
    return {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))


def _ric_check_ok(number: str) -> bool:
    return number[:17].isdigit() and ric.calc_check_digit(number) == number[-1]


def _uscc_check_ok(number: str) -> bool:
    return len(number) == 18 and all(c in USCC_ALPHABET for c in number) and uscc.calc_check_digit(number) == number[-1]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One generated case system with enough listings for every defect kind to show its rate."""
    engine = _engine(tmp_path_factory.mktemp("gen") / "cases.db")
    report = generate(engine, GeneratorConfig(cases=4000, seed=7, defect_rate=RATE))
    yield engine, report
    engine.dispose()


# --- determinism -------------------------------------------------------------------------------------


def test_same_seed_same_rows_byte_for_byte(tmp_path):
    config = GeneratorConfig(cases=600, seed=11, defect_rate=0.2)
    first, second, other = (_engine(tmp_path / f"{n}.db") for n in ("a", "b", "c"))
    generate(first, config)
    generate(second, config)
    generate(other, GeneratorConfig(cases=600, seed=12, defect_rate=0.2))
    assert _dump(first) == _dump(second)
    assert _dump(first)["parties"] != _dump(other)["parties"]
    # Byte for byte: the stored text of the files' rows, not only the Python values, is the same.
    with first.connect() as a, second.connect() as b:
        query = text("SELECT quote(updated_at) || quote(id_number) || quote(name) FROM parties ORDER BY id")
        assert list(a.execute(query)) == list(b.execute(query))


def test_report_counts_equal_database_counts(world):
    engine, report = world
    with engine.connect() as conn:
        for table in GENERATED_TABLES:
            assert report.rows[table.name] == conn.execute(select(func.count()).select_from(table)).scalar_one()
    assert report.rows["cases"] == 4000
    listed = report.rows["dishonest_entries"] - len(report.defects["duplicate_row"])
    assert report.listings == listed
    assert 0.85 <= report.rows["dishonest_entries"] / report.rows["cases"] <= 1.25  # about one each
    assert report.to_dict()["defects"] == report.defect_counts


def test_refuses_a_non_empty_case_system_until_reset(tmp_path):
    engine = _engine(tmp_path / "x.db")
    generate(engine, GeneratorConfig(cases=20))
    with pytest.raises(ConfigurationError, match="already holds"):
        generate(engine, GeneratorConfig(cases=20))
    reset(engine)
    assert generate(engine, GeneratorConfig(cases=20)).rows["cases"] == 20


# --- realism -----------------------------------------------------------------------------------------


def test_case_numbers_courts_and_sequences(world):
    engine, _ = world
    rows = _rows(engine, cases)
    per_key: dict[tuple, list[tuple[date, int]]] = defaultdict(list)
    levels = Counter()
    for row in rows:
        match = CASE_NO.match(row.case_no)
        assert match, row.case_no
        assert match["court"] == row.court_code and row.court_code in COURTS
        assert row.court_name == COURTS[row.court_code]
        assert match["type"] == row.type_code
        assert int(match["year"]) == row.filing_date.year
        per_key[(row.court_code, row.filing_date.year, row.type_code)].append((row.filing_date, int(match["seq"])))
        levels[len(row.court_code)] += 1
        assert row.updated_at.date() >= row.filing_date
    assert len({r.case_no for r in rows}) == len(rows)
    for numbers in per_key.values():
        seqs = [seq for _, seq in sorted(numbers)]
        assert seqs == list(range(1, len(seqs) + 1))  # 1, 2, 3 ... in filing order
    assert levels[5] > 0.75 * len(rows)  # basic courts 宁XXYY (and the railway court) dominate
    assert 0 < levels[3] < 0.2 * len(rows)  # intermediate courts 宁01..宁05
    assert 0 < levels[1] < 0.03 * len(rows)  # the high court 宁
    types = Counter(r.type_code for r in rows)
    assert types["执"] > 5 * types["执恢"] > 0


def test_resident_ids_agree_with_birth_date_and_sex(world):
    engine, report = world
    bad = set(report.defects["bad_checksum"])
    regions = Counter()
    checked = 0
    for row in _rows(engine, parties):
        if row.id_type != "RIC" or row.id_number is None:
            continue
        if row.id in bad:
            assert not _ric_check_ok(row.id_number)
            with pytest.raises(InvalidChecksum):
                ric.validate(row.id_number)
            continue
        assert _ric_structurally_valid(row.id_number), row.id_number
        assert _ric_check_ok(row.id_number)
        if ric.get_birth_date(row.id_number).year < 1983 and row.id_number[:6] == "640121":
            assert ric.is_valid(row.id_number)  # a code stdnum accepts for any year: plainly valid
        if row.kind == "PERSON":
            assert ric.get_birth_date(row.id_number) == row.birth_date
            assert row.sex == ("M" if int(row.id_number[14:17]) % 2 else "F")
            assert 1950 <= row.birth_date.year <= 2008
        regions[row.id_number[:2]] += 1
        checked += 1
    assert checked > 3000
    assert regions["64"] > 0.85 * checked  # mostly Ningxia
    assert 0 < sum(v for k, v in regions.items() if k != "64") < 0.15 * checked


def test_one_id_one_person(world):
    engine, report = world
    org_with_ric = set(report.defects["org_with_person_id"])
    people: dict[str, set] = defaultdict(set)
    for row in _rows(engine, parties):
        if row.id_number and row.kind == "PERSON" and row.id not in org_with_ric:
            people[row.id_number[:17]].add((row.name, row.birth_date, row.sex))
    names_per_id = Counter(len({n for n, _, _ in v if n}) for v in people.values())
    assert set(names_per_id) <= {0, 1}


def test_credit_codes_follow_gb32100_and_gb11714(world):
    engine, report = world
    bad = set(report.defects["bad_checksum"])
    orgs = [r for r in _rows(engine, parties) if r.kind == "ORG"]
    assert len(orgs) > 500
    for row in orgs:
        if row.id_type != "USCC" or row.id_number is None:
            continue
        if row.id in bad:
            assert not uscc.is_valid(row.id_number)
            assert row.id_number[:17].isalnum() and _orgcode_check(row.id_number[8:16]) == row.id_number[16]
            continue
        assert uscc.is_valid(row.id_number), row.id_number
        assert row.id_number[:2] in {"91", "92", "93"} and row.id_number[2:4] == "64"
        assert _orgcode_check(row.id_number[8:16]) == row.id_number[16]
    assert Counter(r.id_number[:2] for r in orgs if r.id_type == "USCC" and r.id_number).most_common(1)[0][0] == "91"


def test_organisations_have_their_legal_representative(world):
    engine, _ = world
    rows = _rows(engine, parties)
    by_id = {r.id: r for r in rows}
    reps = defaultdict(list)
    for row in rows:
        if row.role == "LEGAL_REPRESENTATIVE":
            org = by_id[row.represents_party_id]
            assert row.kind == "PERSON" and org.kind == "ORG" and org.role == "DEBTOR"
            assert org.case_id == row.case_id
            assert org.legal_representative == row.name
            reps[org.id].append(row.id)
        else:
            assert row.role == "DEBTOR" and row.represents_party_id is None
    orgs = [r.id for r in rows if r.kind == "ORG"]
    assert all(len(reps[o]) == 1 for o in orgs)
    flagged = [r for r in rows if r.is_public_servant]
    assert flagged and all(r.employer and r.employer.endswith(("局", "办公室")) for r in flagged)
    assert any(r.is_party_member for r in rows) and any(r.is_military_related for r in rows)


def test_listings_obey_the_rules_except_where_broken(world):
    engine, report = world
    broken = {i for ids in report.defect_entries.values() for i in ids}
    case_by_id = {r.id: r for r in _rows(engine, cases)}
    party_by_id = {r.id: r for r in _rows(engine, parties)}
    states = Counter()
    for entry in _rows(engine, dishonest_entries):
        states[entry.state] += 1
        case = case_by_id[entry.case_id]
        party = party_by_id[entry.party_id]
        assert party.case_id == entry.case_id
        assert entry.decision_date >= case.filing_date
        assert entry.conduct and entry.performance_status in ("全部未履行", "部分履行")
        assert 1 <= entry.trigger_code <= 6
        if entry.trigger_code == 1:
            assert entry.expires_on is None
        else:
            assert (entry.expires_on.year - entry.decision_date.year) == 2
            assert entry.expires_on.month == entry.decision_date.month
        if entry.state == "PENDING":
            assert entry.publish_date is None and entry.grace_until > entry.decision_date
        else:
            assert entry.publish_date is not None
        if entry.state in ("SHIELDED", "REVOKED", "EXPIRED"):
            assert entry.state_reason and entry.version >= 2
        if entry.id in broken:
            continue
        assert entry.publish_date is None or entry.publish_date >= entry.decision_date
        assert party.role == "DEBTOR"
        if party.kind == "PERSON":
            assert _age(party.birth_date, entry.decision_date) >= 18
    total = sum(states.values())
    assert states["PUBLISHED"] > 0.5 * total
    assert all(states[s] > 0 for s in ("PENDING", "SHIELDED", "REVOKED", "EXPIRED"))
    triggers = Counter(e.trigger_code for e in _rows(engine, dishonest_entries))
    assert triggers.most_common(1)[0][0] == 1 and len(triggers) == 6


def test_consumption_restrictions(world):
    engine, _ = world
    case_by_id = {r.id: r for r in _rows(engine, cases)}
    debtors = {r.id for r in _rows(engine, parties) if r.role == "DEBTOR"}
    rows = _rows(engine, consumption_restrictions)
    assert len(rows) > 0.75 * len(debtors)  # most debtors
    for row in rows:
        case = case_by_id[row.case_id]
        assert re.fullmatch(re.escape(case.case_no) + "之[一二三]", row.order_no)
        assert row.party_id in debtors and row.issued_date >= case.filing_date
        assert (row.state == "LIFTED") == (row.lifted_date is not None)
        if row.lifted_date:
            assert row.lifted_date >= row.issued_date


# --- defects -----------------------------------------------------------------------------------------


def _detect(engine) -> dict[str, set[int]]:
    """Find every defect in the database from scratch, without looking at the report."""
    party_by_id = {r.id: r for r in _rows(engine, parties)}
    entries = _rows(engine, dishonest_entries)
    found: dict[str, set[int]] = {k: set() for k in DEFECT_KINDS}
    for p in party_by_id.values():
        if p.name is None or p.id_number is None:
            found["missing_field"].add(p.id)
        elif not {"RIC": _ric_check_ok, "USCC": _uscc_check_ok}[p.id_type](p.id_number):
            found["bad_checksum"].add(p.id)
        if p.kind == "ORG" and p.id_type == "RIC":
            found["org_with_person_id"].add(p.id)
    seen = set()
    for e in entries:
        party = party_by_id[e.party_id]
        key = (e.case_id, e.party_id, e.trigger_code, e.decision_date)
        if key in seen:
            found["duplicate_row"].add(e.id)
        seen.add(key)
        if party.role == "LEGAL_REPRESENTATIVE":
            found["legal_rep_listed"].add(e.id)
        if party.kind == "PERSON" and party.birth_date and _age(party.birth_date, e.decision_date) < 18:
            found["minor"].add(e.id)
        if e.publish_date is not None and e.publish_date < e.decision_date:
            found["date_order"].add(e.id)
    return found


def test_every_defect_reported_and_every_reported_defect_present(world):
    engine, report = world
    found = _detect(engine)
    for kind in DEFECT_KINDS:
        assert found[kind] == set(report.defects[kind]), kind


def test_defects_at_the_configured_rate_per_kind(world):
    _, report = world
    expected = report.listings * RATE / len(DEFECT_KINDS)
    for kind, count in report.defect_counts.items():
        assert abs(count - expected) <= 2, (kind, count, expected)
    assert abs(sum(report.defect_counts.values()) - report.listings * RATE) <= 1


def test_no_defects_at_rate_zero(tmp_path):
    engine = _engine(tmp_path / "clean.db")
    report = generate(engine, GeneratorConfig(cases=800, seed=3, defect_rate=0.0))
    assert sum(report.defect_counts.values()) == 0
    assert all(not ids for ids in _detect(engine).values())


# --- evolution ---------------------------------------------------------------------------------------


def test_evolve_bumps_versions_with_increasing_tied_timestamps(tmp_path):
    engine = _engine(tmp_path / "e.db")
    generate(engine, GeneratorConfig(cases=1500, seed=5))
    before = _dump(engine)
    latest = max(r[-1] for rows in before.values() for r in rows)
    evolution = evolve(engine, seed=5, fraction=0.2)
    after = _dump(engine)

    # Default "now": 09:00 on the day after the latest change, so that repeated runs agree.
    assert evolution.now == datetime.combine(latest.date() + timedelta(days=1), time(9))
    assert evolution.tied_rows >= 2
    for table in (dishonest_entries, consumption_restrictions):
        changed = set(evolution.changed[table.name])
        assert changed
        old = {r[0]: r for r in before[table.name]}
        new = {r[0]: r for r in after[table.name]}
        stamps = Counter()
        columns = [c.name for c in table.columns]
        v, u = columns.index("version"), columns.index("updated_at")
        for row_id, row in new.items():
            if row_id not in changed:
                assert row == old[row_id]
                continue
            assert row[v] == old[row_id][v] + 1
            assert row[u] >= evolution.now > latest
            stamps[row[u]] += 1
        assert max(stamps.values()) >= 2  # ties on purpose
    moves = set(evolution.transitions)
    assert "dishonest_entries:PENDING->PUBLISHED" in moves
    assert "consumption_restrictions:ISSUED->LIFTED" in moves
    assert moves <= {
        "dishonest_entries:PENDING->PUBLISHED",
        "dishonest_entries:PUBLISHED->SHIELDED",
        "dishonest_entries:PUBLISHED->REVOKED",
        "dishonest_entries:PUBLISHED->EXPIRED",
        "consumption_restrictions:ISSUED->LIFTED",
    }
    for entry in _rows(engine, dishonest_entries):
        if entry.id in evolution.changed["dishonest_entries"]:
            if entry.state == "PUBLISHED":
                assert entry.publish_date == max(evolution.now.date(), entry.decision_date)
            else:
                assert entry.state in ("SHIELDED", "REVOKED", "EXPIRED") and entry.state_reason
    for row in _rows(engine, consumption_restrictions):
        if row.id in evolution.changed["consumption_restrictions"]:
            assert row.state == "LIFTED" and row.lifted_date == evolution.now.date()

    again = evolve(engine, seed=5, fraction=0.2)
    assert again.now > evolution.last_updated_at
    with pytest.raises(ValueError, match="time only moves forward"):
        evolve(engine, seed=5, now=evolution.now)


def test_evolve_is_deterministic(tmp_path):
    first, second = _engine(tmp_path / "a.db"), _engine(tmp_path / "b.db")
    for engine in (first, second):
        generate(engine, GeneratorConfig(cases=300, seed=9))
        evolve(engine, seed=9, fraction=0.3)
        evolve(engine, seed=9, fraction=0.3)
    assert _dump(first) == _dump(second)


# --- MariaDB -----------------------------------------------------------------------------------------


def _mariadb_reachable() -> bool:
    try:
        socket.create_connection((MARIADB_HOST, MARIADB_PORT), timeout=2).close()
        return True
    except OSError:
        return False


@pytest.mark.mariadb
@pytest.mark.skipif(not _mariadb_reachable(), reason=f"MariaDB is not reachable on {MARIADB_HOST}:{MARIADB_PORT}")
def test_mariadb_gets_the_same_rows_as_sqlite(tmp_path):
    name = f"scratch_gen_test_{os.getpid()}"
    server = create_engine(f"mysql+pymysql://root@{MARIADB_HOST}:{MARIADB_PORT}/?charset=utf8mb4")
    with server.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
    maria = create_engine(f"mysql+pymysql://root@{MARIADB_HOST}:{MARIADB_PORT}/{name}?charset=utf8mb4")
    try:
        config = GeneratorConfig(cases=700, seed=21, defect_rate=0.1)
        lite = _engine(tmp_path / "same.db")
        report = generate(maria, config)
        generate(lite, config)
        assert _dump(maria) == _dump(lite)
        with maria.connect() as conn:
            for table in GENERATED_TABLES:
                count = conn.execute(select(func.count()).select_from(table)).scalar_one()
                assert count == report.rows[table.name]
        now = datetime(2024, 3, 1, 9, 0)
        assert evolve(maria, 21, 0.25, now=now).to_dict() == evolve(lite, 21, 0.25, now=now).to_dict()
        assert _dump(maria) == _dump(lite)
        with maria.connect() as conn:  # microseconds survive (DATETIME(6)): the cursor needs them
            assert conn.execute(select(func.max(dishonest_entries.c.updated_at))).scalar().microsecond
    finally:
        maria.dispose()
        with server.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        server.dispose()
