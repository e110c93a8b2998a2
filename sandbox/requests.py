"""File the requests officers send to the partners, in a generated case system: one place for which sandbox
seeder fills which outbound flow, and with which parameters, shared by ``hub seed`` and ``hub demo``.

    generate(engine, GeneratorConfig(cases=2000, seed=2019))
    filed = seed_partner_requests(engine)   # {"debtor_locate": 431, "vehicle_control": ..., ...}

A flow whose request table already holds requests is skipped (reported as ``None``), so running it twice
on the same case system files nothing twice. The request seed is fixed (:data:`REQUEST_SEED`), not the
case generator's, so that ``hub seed`` and ``make demo`` file the same requests for the same cases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import Engine, Table, func, inspect, select
from sqlalchemy.exc import SQLAlchemyError

from hub.casesystem.banks import bank_control_requests
from hub.casesystem.military import military_outgoing_requests
from hub.casesystem.public_security import exit_orders, locate_requests, vehicle_requests
from hub.errors import HubError

#: The seed every request seeder is given (the demo's since the seeders were written).
REQUEST_SEED = 7

#: The outbound flows, in the order their requests are filed, and the table each reads its requests from.
REQUEST_TABLES: dict[str, Table] = {
    "debtor_locate": locate_requests,
    "vehicle_control": vehicle_requests,
    "exit_restriction": exit_orders,
    "bank_inquiry_control": bank_control_requests,
    "military_court_sync": military_outgoing_requests,
}
PARTNER_FLOWS = tuple(REQUEST_TABLES)
PUBLIC_SECURITY_FLOWS = ("debtor_locate", "vehicle_control", "exit_restriction")


class RequestSeedingError(HubError):
    """A seeder failed; the message names the flow and what to do."""


def _seeders(seed: int, banks: list[str] | None) -> dict[str, Callable[[Engine], int]]:
    from sandbox.banks.world import seed_requests
    from sandbox.case_generator.military import seed_military_requests
    from sandbox.public_security.requests import seed_exit_orders, seed_locate_requests, seed_vehicle_requests

    def bank_requests(engine: Engine) -> int:
        if banks is not None:
            return seed_requests(engine, banks)
        from hub.banks.config import configured_banks

        return seed_requests(engine, configured_banks())

    return {
        "debtor_locate": lambda engine: seed_locate_requests(engine, share=0.3, seed=seed),
        "vehicle_control": lambda engine: seed_vehicle_requests(engine, share=0.2, seed=seed),
        "exit_restriction": lambda engine: seed_exit_orders(engine, share=0.2, seed=seed),
        "bank_inquiry_control": bank_requests,
        "military_court_sync": lambda engine: seed_military_requests(engine, seed=seed),
    }


def filed_requests(engine: Engine, flows: Iterable[str] = PARTNER_FLOWS) -> dict[str, int]:
    """The requests already in the case system, per flow (0 where the table does not exist yet)."""
    existing = set(inspect(engine).get_table_names())
    counts = {}
    with engine.connect() as connection:
        for flow in flows:
            table = REQUEST_TABLES[flow]
            counts[flow] = (
                connection.execute(select(func.count()).select_from(table)).scalar_one()
                if table.name in existing
                else 0
            )
    return counts


def bank_request_counts(engine: Engine) -> dict[str, int]:
    """Control requests per bank code (empty if the table does not exist)."""
    if not inspect(engine).has_table(bank_control_requests.name):
        return {}
    code = bank_control_requests.c.bank_code
    with engine.connect() as connection:
        rows = connection.execute(select(code, func.count()).group_by(code).order_by(code)).all()
    return {bank: n for bank, n in rows}


def seed_partner_requests(
    engine: Engine,
    *,
    seed: int = REQUEST_SEED,
    flows: Iterable[str] = PARTNER_FLOWS,
    banks: list[str] | None = None,
) -> dict[str, int | None]:
    """File the requests of each flow in ``flows`` (debtor_locate, vehicle_control, exit_restriction,
    bank_inquiry_control, military_court_sync) for the cases in ``engine``; return how many per flow, or
    ``None`` for a flow skipped because its table already holds requests.

    Bank requests go to ``banks``, by default the configured banks (``hub.banks.config``). Each flow is
    its own transaction: after a failure (:class:`RequestSeedingError`) the flows before it keep their
    requests and a second run files only the rest.
    """
    flows = list(flows)
    unknown = sorted(set(flows) - set(REQUEST_TABLES))
    if unknown:
        raise ValueError(f"no request seeder for {unknown}; known: {list(PARTNER_FLOWS)}")
    seeders = _seeders(seed, banks)
    result: dict[str, int | None] = {}
    for flow in PARTNER_FLOWS:
        if flow not in flows:
            continue
        try:
            if filed_requests(engine, [flow])[flow]:
                result[flow] = None
                continue
            result[flow] = seeders[flow](engine)
        except SQLAlchemyError as exc:
            raise RequestSeedingError(
                f"filing the {flow} requests ({REQUEST_TABLES[flow].name}) failed: "
                f"{exc.__class__.__name__}: {getattr(exc, 'orig', exc)}. The case system probably predates "
                f"this flow's schema: regenerate it (hub seed --replace --cases N). Flows filed before this "
                f"one keep their requests; a second run files only the rest."
            ) from exc
    return result
