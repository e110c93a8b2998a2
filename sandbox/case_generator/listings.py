"""Dishonest-list entries and consumption restrictions of a debtor, with their life so far.

Entries obey the 2017 rules (法释〔2017〕7号): triggers 2-6 expire after two years, grace periods come
before publication, and an entry's state (PENDING, PUBLISHED, SHIELDED, REVOKED, EXPIRED) and version
say how far it has come by the end of the period. The ``date_order`` defect is applied here; ``minor``
and ``legal_rep_listed`` are decided by whom the case builder lists.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from .dates import add_years
from .draws import Draws
from .numbering import RowIds
from .pools import WEIGHTED_TRIGGERS
from .realism import (
    CN_ORDINALS,
    CONDUCTS,
    EXPIRE_REASON,
    GRACE_DAYS,
    LISTING_YEARS,
    PERFORMANCE_STATUSES,
    REVOKE_REASONS,
    SHIELD_REASONS,
)


class ListingMaker:
    """Builds rows of dishonest_entries and consumption_restrictions up to the end of the period."""

    def __init__(self, rng: random.Random, draws: Draws, ids: RowIds, end: date):
        self.rng = rng
        self.draws = draws
        self.ids = ids
        self.end = end

    def entry(
        self, case_id: int, party_id: int, decision: date, case_status: str, defect: str | None
    ) -> dict[str, Any]:
        """A dishonest-list entry of ``party_id`` decided on ``decision``, in the state it has reached."""
        rng = self.rng
        end = self.end
        trigger = WEIGHTED_TRIGGERS.pick(rng)
        expires = add_years(decision, LISTING_YEARS) if trigger >= 2 else None
        grace = publish = reason = None
        version = 1
        last = decision
        if (end - decision).days < 90 and rng.random() < 0.6 and defect != "date_order":
            state = "PENDING"
            grace = decision + timedelta(days=rng.choice(GRACE_DAYS))
        else:
            if rng.random() < 0.15 and decision + timedelta(days=91) <= end:
                grace = decision + timedelta(days=rng.choice(GRACE_DAYS))
                publish = grace + timedelta(days=1)
                version += 1
            else:
                publish = self.draws.later(decision, 0, 3)
            last = publish
            r = rng.random()
            if case_status == "CONCLUDED" or r < 0.07:
                state, reason = "SHIELDED", rng.choice(SHIELD_REASONS)
            elif r < 0.10:
                state, reason = "REVOKED", rng.choice(REVOKE_REASONS)
            elif expires is not None and expires <= end:
                state, reason = "EXPIRED", EXPIRE_REASON
            else:
                state = "PUBLISHED"
            if state == "EXPIRED":
                last = self.draws.later(expires, 0, 3)  # type: ignore[arg-type]
                version += 1
            elif state != "PUBLISHED":
                last = self.draws.later(publish, 1, max(1, (end - publish).days))
                version += 1
            if defect == "date_order":
                publish = decision - timedelta(days=rng.randint(1, 30))
        return {
            "id": self.ids.take("dishonest_entries"),
            "case_id": case_id,
            "party_id": party_id,
            "trigger_code": trigger,
            "conduct": self.draws.pick(CONDUCTS[trigger]),
            "performance_status": PERFORMANCE_STATUSES[rng.random() < 0.2],
            "decision_date": decision,
            "publish_date": publish,
            "grace_until": grace,
            "expires_on": expires,
            "state": state,
            "state_reason": reason,
            "version": version,
            "updated_at": self.draws.stamp(last),
        }

    def restriction(
        self, case_id: int, party_id: int, case_no: str, number: int, filing: date, case_status: str
    ) -> dict[str, Any]:
        """The ``number``-th consumption restriction order of the case (限制消费令), lifted or not."""
        rng = self.rng
        issued = self.draws.later(filing, 5, 120)
        lifted = None
        if case_status == "CONCLUDED" or rng.random() < 0.06:
            lifted = self.draws.later(issued, 1, max(1, (self.end - issued).days))
        suffix = CN_ORDINALS[number - 1] if number <= len(CN_ORDINALS) else str(number)
        return {
            "id": self.ids.take("consumption_restrictions"),
            "case_id": case_id,
            "party_id": party_id,
            "order_no": f"{case_no}之{suffix}",
            "issued_date": issued,
            "lifted_date": lifted,
            "state": "LIFTED" if lifted else "ISSUED",
            "version": 2 if lifted else 1,
            "updated_at": self.draws.stamp(lifted or issued),
        }
