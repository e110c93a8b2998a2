"""Faults between the hub and the 前置库 (and its own DB): fail, retry, and still deliver exactly once."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from connectors.db import DatabaseLink
from hub import ledger, watermarks
from hub.db import hub_engine
from hub.db.models import LedgerEntry
from hub.errors import DeliveryError
from hub.flows import DISHONEST_LIST
from hub.pipeline import run_outbound
from tests.faultproxy import FaultProxy

pytestmark = pytest.mark.mariadb


@pytest.fixture
def proxy():
    fault_proxy = FaultProxy("127.0.0.1", 3306)
    yield fault_proxy
    fault_proxy.close()


def through(proxy: FaultProxy, url: str) -> str:
    return make_url(url).set(port=proxy.port).render_as_string(hide_password=False)


def delivered_outcomes(world) -> Counter:
    table = LedgerEntry.__table__
    with world.hub.connect() as connection:
        rows = connection.execute(
            select(table.c.record_key, table.c.reason).where(
                table.c.flow == DISHONEST_LIST.name, table.c.outcome == "delivered"
            )
        )
        return Counter(key for key, reason in rows if reason is None)


def platform_rows(world) -> int:
    return world.count("frontdb", "SELECT COUNT(*) FROM T_SXBZXR")


def watermark(world):
    with world.hub.connect() as connection:
        return watermarks.read(connection, DISHONEST_LIST.name, DISHONEST_LIST.partner)


def test_platform_unreachable_fails_the_run_and_moves_nothing(credit_world, proxy):
    proxy.cut()
    partner = DatabaseLink(through(proxy, credit_world.frontdb_url), name="frontdb via proxy")
    with pytest.raises(DeliveryError, match=r"not delivered|cannot reach"):
        run_outbound(DISHONEST_LIST, source=credit_world.source, partner=partner, hub=credit_world.hub)
    assert watermark(credit_world) == watermarks.Cursor()
    assert platform_rows(credit_world) == 0
    proxy.restore()
    summary = credit_world.run(DISHONEST_LIST)
    assert summary.balanced and platform_rows(credit_world) == summary.delivered
    assert max(delivered_outcomes(credit_world).values()) == 1


def test_link_cut_mid_batch_leaves_no_partial_chunk_and_the_retry_delivers_each_record_once(credit_world, proxy):
    partner = DatabaseLink(through(proxy, credit_world.frontdb_url), name="frontdb via proxy")
    cut_after_chunks = 3

    def cut_during_next_chunk(summary) -> None:
        if summary.chunks == cut_after_chunks:
            proxy.cut_after(2000)  # part-way through the next chunk's INSERT

    with pytest.raises(DeliveryError):
        run_outbound(
            DISHONEST_LIST,
            source=credit_world.source,
            partner=partner,
            hub=credit_world.hub,
            chunk_size=25,
            progress=cut_during_next_chunk,
        )
    committed = delivered_outcomes(credit_world)
    assert platform_rows(credit_world) == sum(committed.values())  # nothing of the broken chunk is visible
    stopped_at = watermark(credit_world)
    assert stopped_at.time is not None
    proxy.restore()
    partner.dispose()
    retry = run_outbound(
        DISHONEST_LIST, source=credit_world.source, partner=partner, hub=credit_world.hub, chunk_size=25
    )
    assert retry.balanced
    outcomes = delivered_outcomes(credit_world)
    assert max(outcomes.values()) == 1, "a record was delivered twice"
    assert platform_rows(credit_world) == sum(outcomes.values())
    assert ledger.verify(credit_world.hub).ok


def test_hub_db_lost_after_the_platform_committed_is_recovered_without_duplicates(credit_world, proxy):
    hub_via_proxy = through(proxy, credit_world.hub_url)
    hub = hub_engine(hub_via_proxy)

    def lose_hub_db(summary) -> None:
        if summary.chunks == 2:
            proxy.cut()

    with pytest.raises(Exception):  # noqa: B017 - whichever error the lost hub DB raises
        run_outbound(
            DISHONEST_LIST,
            source=credit_world.source,
            partner=credit_world.frontdb,
            hub=hub,
            chunk_size=25,
            progress=lose_hub_db,
        )
    proxy.restore()
    hub.dispose()
    recorded_before = sum(delivered_outcomes(credit_world).values())
    at_platform_before = platform_rows(credit_world)
    assert at_platform_before > recorded_before  # the platform committed a chunk the hub never recorded
    retry = credit_world.run(DISHONEST_LIST, chunk_size=25)
    assert retry.balanced
    assert retry.duplicates == at_platform_before - recorded_before
    with credit_world.frontdb.engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(DISTINCT JLID) = COUNT(*) FROM T_SXBZXR")).scalar_one() == 1
    assert ledger.verify(credit_world.hub).ok
