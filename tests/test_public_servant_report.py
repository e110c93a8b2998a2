"""Reports to the discipline-inspection commission (纪委监委) and the personnel department (组织人事部门), end to
end against the real OpenSSH sshd and MariaDB: the DAG through Airflow, each partner's sealed file opened with
its own key and parsed back in its layout to exactly the listed party members and public servants; a status
change travels once as an update record; anyone else reaching the report stage is held back by the policy."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text, update

from hub import alerts, ledger, policy, quarantine
from hub.casesystem import dishonest_entries, parties
from hub.db import hub_engine
from hub.db.models import Batch, LedgerEntry, PendingExchange
from hub.reports import tasks
from hub.reports.config import REPORT_PARTNERS
from hub.reports.flows import FLOW_NAME, report_flow, report_query
from hub.sealing import SealError
from sandbox.public_servant_report import make_report_desks

pytestmark = pytest.mark.mariadb
#: The report files' status codes per partner (mappings/<partner>.yaml, code table ``state``).
SHIELDED = {"discipline_commission": "2", "personnel_department": "SHIELDED"}
PERFORMED = "被执行人已履行全部义务"
ELIGIBLE_SQL = """
    SELECT d.id, p.id_number, p.name, p.employer, c.case_no, d.state, d.version
    FROM dishonest_entries d JOIN parties p ON p.id = d.party_id JOIN cases c ON c.id = d.case_id
    WHERE d.state <> 'PENDING' AND p.role = 'DEBTOR' AND p.kind = 'PERSON'
      AND (p.is_public_servant = 1 OR p.is_party_member = 1)
"""


class ReportWorld:
    def __init__(self, case_url: str, hub_url: str, desks):
        self.case = create_engine(case_url)
        self.hub = hub_engine(hub_url)
        self.desks = desks

    def eligible(self) -> dict[str, dict]:
        """What the partners may know, by an independent query: entry id → the person, case and status."""
        with self.case.connect() as connection:
            rows = connection.execute(text(ELIGIBLE_SQL)).mappings().all()
        return {str(row["id"]): dict(row) for row in rows}

    def listed(self) -> dict[str, bool]:
        """Every non-PENDING entry: entry id → whether its person may be reported."""
        with self.case.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT d.id, (p.role = 'DEBTOR' AND p.kind = 'PERSON' AND (p.is_public_servant = 1 OR "
                    "p.is_party_member = 1)) FROM dishonest_entries d JOIN parties p ON p.id = d.party_id "
                    "WHERE d.state <> 'PENDING'"
                )
            ).all()
        return {str(entry): bool(ok) for entry, ok in rows}


@pytest.fixture
def report_world(make_database, monkeypatch, sshd, tmp_path):
    from sandbox.case_generator import GeneratorConfig, generate
    from tests.conftest import connection_env

    case_url, hub_url = make_database("case"), make_database("hub")
    case_engine = create_engine(case_url)
    generate(case_engine, GeneratorConfig(cases=120, seed=11, defect_rate=0.0))
    # A few more public servants than the generator's 2%, so each file has several (test data only).
    with case_engine.begin() as connection:
        debtors = (
            connection.execute(
                select(parties.c.id)
                .join(dishonest_entries, dishonest_entries.c.party_id == parties.c.id)
                .where(parties.c.kind == "PERSON", parties.c.role == "DEBTOR", parties.c.is_party_member.is_(False))
                .order_by(parties.c.id)
            )
            .scalars()
            .all()
        )
        servants = debtors[::6]
        connection.execute(
            update(parties)
            .where(parties.c.id.in_(servants))
            .values(is_public_servant=True, employer="银川市兴庆区财政局")
        )
    case_engine.dispose()
    root = sshd.files / f"reports_{uuid.uuid4().hex[:8]}"
    desks = make_report_desks(root)
    desks.connect(
        sshd.host, sshd.port, sshd.user, str(sshd.client_key_path), sshd.host_key_line,
        {code: str(root / code) for code in REPORT_PARTNERS},
    )  # fmt: skip
    monkeypatch.setenv("HUB_DB_URL", hub_url)
    monkeypatch.setenv("HUB_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv(*connection_env("case_system", case_url))
    for name, value in desks.env().items():
        monkeypatch.setenv(name, value)
    world = ReportWorld(case_url, hub_url, desks)
    yield world
    world.case.dispose()
    world.hub.dispose()


def _check_file_holds_exactly(world: ReportWorld, partner: str, expected: dict[str, dict]) -> None:
    desk = world.desks.desks[partner]
    (name,) = desk.received()
    raw = (desk.inbox / name).read_bytes()
    assert raw.startswith(b"NXSEAL01")
    assert not any(row["id_number"].encode() in raw for row in expected.values())  # nothing in clear
    report = desk.read(name)
    assert report.header["WJM"] == name
    got = {record["JLBH"]: record for record in report.records}
    assert set(got) == set(expected)  # exactly the listed party members and public servants
    for key, row in expected.items():
        record = got[key]
        assert (record["XM"], record["ZJHM"], record["AH"]) == (row["name"], row["id_number"], row["case_no"])
        assert (record["GZDW"] or None) == row["employer"]
        assert int(record["BBH"]) == row["version"]


@pytest.mark.airflow
def test_the_dag_sends_each_partner_one_sealed_file_with_exactly_the_listed_servants_and_members(report_world):
    from hub import airflow_env

    world = report_world
    expected = world.eligible()
    assert len(expected) >= 5 and any(row["employer"] for row in expected.values())
    env = airflow_env.prepare()
    result = airflow_env.run_dag(FLOW_NAME, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for partner in REPORT_PARTNERS:
        _check_file_holds_exactly(world, partner, expected)
        run = _latest_batch(world, partner)
        assert run["status"] == "SUCCEEDED" and run["delivered"] == len(expected) and run["quarantined"] == 0
    # Sealed for one partner: the other partner's key cannot open it.
    commission, personnel = (world.desks.desks[p] for p in REPORT_PARTNERS)
    with pytest.raises(SealError, match="not for this side's key"):
        commission.read(commission.received()[0], keys=personnel.keys)
    table = PendingExchange.__table__
    with world.hub.connect() as connection:
        statuses = connection.execute(select(table.c.partner, table.c.status).where(table.c.flow == FLOW_NAME)).all()
    assert sorted(statuses) == [(p, "COMPLETE") for p in REPORT_PARTNERS]  # nobody answers: nothing awaited

    rerun = airflow_env.run_dag(FLOW_NAME, env=env)
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    assert all(len(world.desks.desks[p].received()) == 1 for p in REPORT_PARTNERS)  # nothing new: no file
    assert ledger.verify(world.hub).ok
    entries = LedgerEntry.__table__
    with world.hub.connect() as connection:
        failures = connection.execute(
            select(entries.c.reason).where(entries.c.outcome.in_(["failed", "task_failed", "rejected", "quarantined"]))
        ).all()
    assert failures == []


def _latest_batch(world: ReportWorld, partner: str) -> dict:
    table = Batch.__table__
    query = select(table).where(table.c.flow == FLOW_NAME, table.c.partner == partner, table.c.direction == "OUT")
    with world.hub.connect() as connection:
        return dict(connection.execute(query.order_by(table.c.started_at.desc()).limit(1)).mappings().one())


def test_a_status_change_sends_one_update_record_on_the_next_run_and_nothing_else(report_world):
    world = report_world
    partner = "discipline_commission"
    first = tasks.send_reports(partner)
    assert first["status"] == "SUCCEEDED" and len(first["report_files"]) == 1 and first["quarantined"] == 0
    expected = world.eligible()
    entry = next(key for key, row in expected.items() if row["state"] == "PUBLISHED")
    with world.case.begin() as connection:
        connection.execute(
            update(dishonest_entries)
            .where(dishonest_entries.c.id == int(entry))
            .values(state="SHIELDED", state_reason=PERFORMED, version=dishonest_entries.c.version + 1,
                    updated_at=func.now(6))
        )  # fmt: skip
    second = tasks.send_reports(partner)
    assert second["extracted"] == 1 and second["delivered"] == 1 and len(second["report_files"]) == 1
    desk = world.desks.desks[partner]
    (update_record,) = desk.read(second["report_files"][0]).records
    assert update_record["JLBH"] == entry and int(update_record["BBH"]) == expected[entry]["version"] + 1
    assert (update_record["ZT"], update_record["ZTYY"]) == (SHIELDED[partner], PERFORMED)
    assert len(desk.received()) == 2

    third = tasks.send_reports(partner)
    assert third["extracted"] == 0 and third["report_files"] == []
    assert len(desk.received()) == 2
    # The other partner is independent: it has not run yet, so it gets everything, at the current version.
    other = tasks.send_reports("personnel_department")
    assert other["delivered"] == len(expected) and len(other["report_files"]) == 1
    assert ledger.verify(world.hub).ok


@pytest.mark.parametrize("partner", REPORT_PARTNERS)
def test_a_person_who_is_neither_servant_nor_member_reaching_the_report_stage_is_blocked_by_the_policy(
    report_world, partner
):
    """The flow's query is the first lock; here it is removed, and the policy alone must hold everyone else."""
    world = report_world
    flow = dataclasses.replace(report_flow(partner), query=report_query(restricted=False))
    listed = world.listed()
    others = {key for key, ok in listed.items() if not ok}
    assert others and len(others) > len(listed) - len(others)  # most listed people are nobody's concern here

    sent = tasks.send_reports(partner, flow=flow)
    assert sent["status"] == "SUCCEEDED" and sent["extracted"] == len(listed)
    assert sent["delivered"] == len(listed) - len(others) and sent["quarantined"] == len(others)
    records = world.desks.desks[partner].records()
    assert {r["JLBH"] for r in records} == set(world.eligible())  # nobody else is in the file
    assert not {r["JLBH"] for r in records} & others

    reason = f"policy: the party is a public servant or a party member not satisfied for partner {partner}"
    held = {
        r["record_key"]: r
        for r in quarantine.records(world.hub, flow=FLOW_NAME, limit=10_000)
        if r["partner"] == partner
    }
    assert set(held) == others and all(reason in r["reasons"] for r in held.values())
    entries = LedgerEntry.__table__
    with world.hub.connect() as connection:
        outcomes = dict(
            connection.execute(
                select(entries.c.record_key, entries.c.outcome).where(
                    entries.c.flow == FLOW_NAME, entries.c.partner == partner, entries.c.kind == "RECORD"
                )
            ).all()
        )
    assert {key for key, outcome in outcomes.items() if outcome == policy.BLOCKED} == others
    urgent = [a for a in alerts.recent(world.hub, urgent_only=True) if a["flow"] == FLOW_NAME]
    assert urgent and partner in urgent[0]["reason"] and "public servant or a party member" in urgent[0]["reason"]
    assert not any(row_id in urgent[0]["reason"] for row_id in _id_numbers(world, others))  # no personal data
    assert ledger.verify(world.hub).ok


def _id_numbers(world: ReportWorld, keys: set[str]) -> list[str]:
    with world.case.connect() as connection:
        return list(
            connection.execute(
                select(parties.c.id_number)
                .join(dishonest_entries, dishonest_entries.c.party_id == parties.c.id)
                .where(dishonest_entries.c.id.in_([int(k) for k in keys]), parties.c.id_number.is_not(None))
            ).scalars()
        )


def test_the_dag_has_one_delivery_task_per_partner_in_a_pool_airflow_creates_with_retries_and_a_ledger_callback():
    import json

    from hub.airflow_env import POOLS_FILE
    from hub.reports.orchestration import build_report_dag
    from hub.runner import record_task_failure

    dag = build_report_dag()
    pools = json.loads(POOLS_FILE.read_text(encoding="utf-8"))
    assert sorted(t.task_id for t in dag.tasks) == [f"send_reports_{p}" for p in REPORT_PARTNERS]
    for task in dag.tasks:
        assert task.pool == task.task_id.removeprefix("send_reports_") and task.pool in pools
        assert task.retries >= 1 and task.retry_exponential_backoff
        callbacks = task.on_failure_callback
        assert record_task_failure in (callbacks if isinstance(callbacks, list) else [callbacks])
    assert dag.max_active_runs == 1
