"""The military court's requests to Ningxia's courts: fetched by feed sequence, checked, created once.

The court numbers its requests in a feed; the hub keeps the last sequence it has dealt with as the
watermark of flow ``military_court_incoming`` and asks for what came after. Each page is flattened,
mapped with ``inbound.incoming_request`` (mappings/military_court.yaml), gated with
``expectations/military_court_inbound.json`` and checked against the case system:

* a request naming a case the court does not have (or, without a case number, a court that is not a
  Ningxia court) is **not created**: it is quarantined with that reason, a REFUSED change with the same
  reason is queued for the military court (``military_status_history``, reported by the status sync),
  and the ledger says ``refused``;
* a request id seen before (sent twice) is loaded once: the second is ``already_loaded`` in the ledger;
* a request that fails the mapping or the suite is quarantined (``quarantined``), naming the field;
* a created request is ACCEPTED (change 1, queued for the court) and ``loaded`` in the ledger.

The case system is written first, then one hub transaction records the ledger entries, the quarantine
and the moved watermark: a crash in between re-reads the page, and the partner's ids make it a no-op.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass, field

import pandas as pd
from sqlalchemy import Engine, insert, select

from connectors.soap import SoapPartner
from hub import batches, ledger, quarantine, watermarks
from hub.casesystem import cases, military_incoming_requests, military_status_history
from hub.identifiers.courts import COURTS
from hub.ledger import Trace, payload_hash, utcnow
from hub.mapping import load_mapping, to_python_rows
from hub.military.flows import INCOMING, INCOMING_SUITE, PAGE_SIZE, PARTNER
from hub.military.transport import flatten, items
from hub.quality.gate import QualityGate
from hub.settings import get_settings

log = logging.getLogger(__name__)
IN = "IN"
_requests = military_incoming_requests
_history = military_status_history


@dataclass
class IncomingSummary:
    read: int = 0
    loaded: int = 0
    already_loaded: int = 0
    refused: int = 0
    quarantined: int = 0
    last_sequence: int = 0
    reasons: dict[str, str] = field(default_factory=dict)  # request id → why it was not created

    def figures(self) -> dict:
        return {"extracted": self.read, "loaded": self.loaded + self.already_loaded,
                "duplicates": self.already_loaded, "quarantined": self.quarantined + self.refused}  # fmt: skip

    def as_dict(self) -> dict:
        return asdict(self)


def read_cursor(hub: Engine, flow: str) -> int:
    """The last feed sequence of ``flow`` the hub has dealt with (0 before the first fetch)."""
    with hub.connect() as connection:
        cursor = watermarks.read(connection, flow, PARTNER)
    return int(cursor.key or 0)


def fetch_incoming(client: SoapPartner, case_system: Engine, hub: Engine) -> IncomingSummary:
    """Fetch every request the court added since the watermark; create, refuse or hold each one."""
    settings = get_settings()
    target = load_mapping(settings.mappings_dir / f"{PARTNER}.yaml").inbound_target("incoming_request")
    gate = QualityGate(settings.expectations_dir / f"{INCOMING_SUITE}.json", "partner_request_id", 1.0, name=INCOMING)
    summary = IncomingSummary(last_sequence=read_cursor(hub, INCOMING))
    batch_id = str(uuid.uuid4())
    batches.open_batch(hub, batch_id, INCOMING, PARTNER, IN, f"the court's requests after {summary.last_sequence}")
    gate.begin(batch_id)
    try:
        while True:
            after = summary.last_sequence
            answer = client.call("FetchIncomingRequests", request_ids=[f"after {after}"], afterSequence=after,
                                 maxCount=PAGE_SIZE)  # fmt: skip
            page = [flatten(item) for item in items(answer, "request")]
            last = int(answer.get("lastSequence") or after)
            _load_page(page, last, target, gate, case_system, hub, batch_id, summary)
            if not answer.get("more") or last <= after:
                break
    except Exception as error:
        batches.close_batch(hub, batch_id, INCOMING, PARTNER, IN, figures=summary.figures(),
                            error=f"{type(error).__name__}: {error}")  # fmt: skip
        raise
    finally:
        gate.finish()
    batches.close_batch(hub, batch_id, INCOMING, PARTNER, IN, figures=summary.figures())
    return summary


def _load_page(page, last, target, gate, case_system, hub, batch_id, summary: IncomingSummary) -> None:
    reasons: dict[str, list[str]] = {}
    good: list[dict] = []
    if page:
        frame = pd.DataFrame(page)
        mapped, errors = target.apply(frame)
        for index, why in errors.items():
            reasons.setdefault(str(frame.at[index, "requestId"]), []).extend(f"mapping: {e}" for e in why)
        checked = gate.check(mapped)
        for key, why in checked.failures.items():
            reasons.setdefault(key, []).extend(why)
        good = to_python_rows(checked.passed)
    now = utcnow()
    traces: list[Trace] = []
    refusals: dict[str, str] = {}
    with case_system.begin() as connection:
        known = _known(connection, [row["partner_request_id"] for row in good])
        for row in good:
            key = row["partner_request_id"]
            if key in known:
                first = (
                    "refused before, not created" if known[key] is None else f"loaded once, at sequence {known[key]}"
                )
                why = f"request {key} sent again (feed sequence {row['feed_sequence']}): {first}"
                traces.append(_trace(batch_id, "already_loaded", row, why))
                summary.already_loaded += 1
                continue
            case_id, problem = _case_of(connection, row)
            if problem:
                refusals[key] = problem
                if not _refusal_queued(connection, key):
                    connection.execute(insert(_history).values(
                        direction="IN", request_key=key, seq=1, status="REFUSED", reason=problem[:256],
                        changed_by="NINGXIA", changed_at=now, recorded_at=now))  # fmt: skip
                traces.append(
                    _trace(
                        batch_id,
                        "refused",
                        row,
                        f"request {key} not created: {problem}; reported to the military court as REFUSED",
                    )
                )
                known[key] = None
                continue
            connection.execute(insert(_requests).values(
                **row, case_id=case_id, status="ACCEPTED", status_seq=1, status_at=now, loaded_at=now,
                updated_at=now))  # fmt: skip
            connection.execute(insert(_history).values(
                direction="IN", request_key=key, seq=1, status="ACCEPTED", changed_by="NINGXIA", changed_at=now,
                recorded_at=now))  # fmt: skip
            known[key] = row["feed_sequence"]
            traces.append(_trace(batch_id, "loaded", row, None))
            summary.loaded += 1
    held = [(key, None, record, reasons[key]) for key, record in _raw_by_key(page, reasons).items()]
    held += [(key, None, record, [refusals[key]]) for key, record in _raw_by_key(page, refusals).items()]
    traces += [Trace(batch_id, INCOMING, PARTNER, IN, "quarantined", "RECORD", key, None, None, "; ".join(why))
               for key, why in reasons.items()]  # fmt: skip
    with hub.begin() as connection:
        ledger.append(connection, traces)
        quarantine.hold(connection, flow=INCOMING, partner=PARTNER, batch_id=batch_id, records=held)
        if last > summary.last_sequence:
            watermarks.write(connection, INCOMING, PARTNER, watermarks.Cursor(now, str(last)))
        summary.read += len(page)
        summary.refused += len(refusals)
        summary.quarantined += len(reasons)
        summary.reasons.update({key: "; ".join(why) for key, why in reasons.items()} | refusals)
        summary.last_sequence = max(summary.last_sequence, last)
        batches.record_progress(connection, batch_id, summary.figures())
    for key, why in {**refusals, **{k: "; ".join(v) for k, v in reasons.items()}}.items():
        log.warning("%s: request %s of the military court not created: %s", INCOMING, key, why)


def _known(connection, keys: list[str]) -> dict[str, int | None]:
    """Request ids already created (id → the feed sequence it came at) or refused (id → None)."""
    if not keys:
        return {}
    query = select(_requests.c.partner_request_id, _requests.c.feed_sequence)
    rows = connection.execute(query.where(_requests.c.partner_request_id.in_(keys))).all()
    known = {key: sequence for key, sequence in rows}
    refused = connection.execute(
        select(_history.c.request_key).where(
            _history.c.direction == "IN", _history.c.request_key.in_(keys), _history.c.seq == 1,
            _history.c.status == "REFUSED", _history.c.changed_by == "NINGXIA",
        )
    ).scalars()  # fmt: skip
    for key in refused:
        known.setdefault(key, None)
    return known


def _refusal_queued(connection, key: str) -> bool:
    query = select(_history.c.id).where(_history.c.direction == "IN", _history.c.request_key == key)
    return connection.execute(query).first() is not None


def _case_of(connection, row: dict) -> tuple[int | None, str | None]:
    """(the Ningxia case the request concerns, or why it cannot be created)."""
    case_no, court = row.get("case_no"), row.get("court_code")
    if not case_no:
        if court in COURTS:
            return None, None
        return None, f"names no case and {court!r} is not a Ningxia court"
    found = connection.execute(select(cases.c.id, cases.c.court_code).where(cases.c.case_no == case_no)).first()
    if found is None:
        return None, f"case {case_no} is not in the Ningxia courts' case system"
    if court and found.court_code != court:
        return None, f"case {case_no} belongs to court {found.court_code}, not {court}"
    return found.id, None


def _raw_by_key(page: list[dict], wanted: dict) -> dict[str, dict]:
    return {str(item.get("requestId")): item for item in page if str(item.get("requestId")) in wanted}


def _trace(batch_id: str, outcome: str, row: dict, reason: str | None) -> Trace:
    return Trace(batch_id, INCOMING, PARTNER, IN, outcome, "RECORD", row["partner_request_id"], None,
                 payload_hash(row), reason)  # fmt: skip
