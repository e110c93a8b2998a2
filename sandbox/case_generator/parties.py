"""Debtor parties of a case: a person, or an organisation with its ``LEGAL_REPRESENTATIVE``.

Organisation debtors each get a legal representative person party, who is never listed. A few debtors
repeat (the same person or company in several cases), and some are party members, public servants or in
military-related cases, which drive the pushes to 纪委监委, 组织人事部门 and the military courts. The
identity defects (``bad_checksum``, ``missing_field``, ``org_with_person_id``) are applied here.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from datetime import date
from typing import Any

from hub.identifiers.courts import BASIC_COURTS

from .dates import age
from .draws import Draws
from .identities import RIC_CHECK, USCC_ALPHABET, Identities
from .numbering import RowIds
from .pools import BASIC_PLACES
from .realism import BUREAUS, P_PARTY_MEMBER, P_PUBLIC_SERVANT, P_REPEAT_DEBTOR

#: Recent debtors kept for reuse as repeat debtors (per kind).
REPEAT_POOL = 2000


@dataclass
class PartyContext:
    """The case and listing a debtor is made for: where, when, and which defect (if any) to carry."""

    case_id: int
    court: str
    filing: date
    decision: date
    military: bool
    defect: str | None
    used_keys: set[str]


class PartyMaker:
    """Builds party rows of debtors, reusing earlier debtors now and then (never broken ones)."""

    def __init__(self, rng: random.Random, draws: Draws, ids: RowIds, identities: Identities):
        self.rng = rng
        self.draws = draws
        self.ids = ids
        self.identities = identities
        self.repeat_persons: deque[dict[str, Any]] = deque(maxlen=REPEAT_POOL)
        self.repeat_orgs: deque[tuple[dict[str, Any], dict[str, Any]]] = deque(maxlen=REPEAT_POOL)

    def person_debtor(self, ctx: PartyContext) -> dict[str, Any]:
        """The party row of a person debtor, with the context's identity defect applied."""
        identity = self._reuse(self.repeat_persons, ctx)
        if identity is None:
            identity = {**self.identities.person(ctx.court, ctx.decision, ctx.defect == "minor")}
            identity.update(self._flags(ctx.court, ctx.military))
            if ctx.defect is None:
                self.repeat_persons.append(identity)
        identity = dict(identity, is_military_related=ctx.military)
        ctx.used_keys.add(identity["id_number"])
        row = self._party_row(ctx, "DEBTOR", "PERSON", identity)
        if ctx.defect == "bad_checksum":
            row["id_number"] = self.identities.break_check(row["id_number"], RIC_CHECK)
        elif ctx.defect == "missing_field":
            row[self.rng.choice(("name", "id_number"))] = None
        return row

    def org_debtor(self, ctx: PartyContext) -> tuple[dict[str, Any], dict[str, Any]]:
        """The party rows of an organisation debtor and its legal representative, defect applied."""
        reused = self._reuse(self.repeat_orgs, ctx)
        if reused is None:
            rep = {**self.identities.person(ctx.court, ctx.decision)}
            rep.update(self._flags(ctx.court, False, allow_servant=False))
            org = self.identities.organisation(ctx.court)
            org["legal_representative"] = rep["name"]
            if ctx.defect is None:
                self.repeat_orgs.append((org, rep))
        else:
            org, rep = reused
        ctx.used_keys.add(org["id_number"])
        org_row = self._party_row(ctx, "DEBTOR", "ORG", dict(org, is_military_related=ctx.military))
        rep_row = self._party_row(ctx, "LEGAL_REPRESENTATIVE", "PERSON", rep)
        rep_row["represents_party_id"] = org_row["id"]
        if ctx.defect == "bad_checksum":
            org_row["id_number"] = self.identities.break_check(org_row["id_number"], USCC_ALPHABET)
        elif ctx.defect == "missing_field":
            org_row[self.rng.choice(("name", "id_number"))] = None
        elif ctx.defect == "org_with_person_id":
            # The classic clerk's slip: the legal representative's ID typed into the company's record.
            org_row["id_type"] = "RIC"
            org_row["id_number"] = rep_row["id_number"]
        return org_row, rep_row

    def _flags(self, court: str, military: bool, allow_servant: bool = True) -> dict[str, Any]:
        rng = self.rng
        servant = allow_servant and rng.random() < P_PUBLIC_SERVANT
        member = rng.random() < (0.7 if servant else P_PARTY_MEMBER)
        employer = None
        if servant:
            place = BASIC_PLACES.get(court) or BASIC_PLACES[rng.choice(list(BASIC_COURTS))]
            employer = place + rng.choice(BUREAUS)
        return {
            "is_party_member": member,
            "is_public_servant": servant,
            "is_military_related": military,
            "employer": employer,
        }

    def _party_row(self, ctx: PartyContext, role: str, kind: str, identity: dict[str, Any]) -> dict[str, Any]:
        row = {
            "id": self.ids.take("parties"),
            "case_id": ctx.case_id,
            "role": role,
            "kind": kind,
            "name": None,
            "id_type": None,
            "id_number": None,
            "birth_date": None,
            "sex": None,
            "legal_representative": None,
            "represents_party_id": None,
            "is_party_member": False,
            "is_public_servant": False,
            "is_military_related": False,
            "employer": None,
            "updated_at": self.draws.stamp(ctx.filing),
        }
        row.update(identity)
        return row

    def _reuse(self, pool: deque, ctx: PartyContext) -> Any:
        """A repeat debtor from an earlier case, if one fits (adult on this decision date, not in this case)."""
        rng = self.rng
        if ctx.defect is not None or not pool or rng.random() >= P_REPEAT_DEBTOR:
            return None
        candidate = pool[rng.randrange(len(pool))]
        person = candidate[1] if isinstance(candidate, tuple) else candidate
        key = (candidate[0] if isinstance(candidate, tuple) else candidate)["id_number"]
        if key in ctx.used_keys or age(person["birth_date"], ctx.decision) < 18:
            return None
        return candidate
