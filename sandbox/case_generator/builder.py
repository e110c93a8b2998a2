"""Rows of a chunk of cases: the case, its debtors, their listings and restrictions, defects included.

Why one builder for the whole run: every value, timestamps included, comes from one
``random.Random(seed)`` consumed in a fixed order, and ids and case-number sequences carry over from
chunk to chunk, so the same seed gives the same rows, byte for byte, whatever the chunking.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hub.identifiers.courts import BASIC_COURTS, COURTS, HIGH_COURT, SPECIALISED_COURTS

from .config import GENERATED_TABLES, Chunk, GeneratorConfig
from .defects import DEFECT_TABLES, DefectSchedule
from .draws import Draws
from .identities import Identities
from .listings import ListingMaker
from .numbering import CaseNumbers, RowIds
from .parties import PartyContext, PartyMaker
from .pools import WEIGHTED_CASE_TYPES, WEIGHTED_COURTS, WEIGHTED_DEBTOR_COUNTS, WEIGHTED_STATUSES, NamePools
from .realism import (
    ARBITRATION,
    CRIMINAL_OBLIGATIONS,
    OBLIGATIONS,
    P_LISTED,
    P_MILITARY_CASE,
    P_PERSON,
    P_RESTRICTED,
)
from .report import GenerationReport

Row = dict[str, Any]


class ChunkBuilder:
    """Builds rows chunk by chunk from one ``random.Random(seed)``; ids are assigned here.

    :attr:`report` collects the listings and the defects as they are built; the caller counts the rows
    it inserts.
    """

    def __init__(self, config: GeneratorConfig):
        self.config = config
        self.report = GenerationReport(config=config)
        self.rng = rng = random.Random(config.seed)
        self.start = config.start
        self.span_days = (config.end - config.start).days + 1
        self.draws = Draws(rng, config.end)
        self.ids = RowIds(GENERATED_TABLES)
        self.case_numbers = CaseNumbers()
        self.defects = DefectSchedule(config.defect_rate, rng)
        names = NamePools.from_seed(config.seed)
        self.officers = names.officers
        identities = Identities(rng, self.draws, names, expected=config.cases * 3 + 1000)
        self.parties = PartyMaker(rng, self.draws, self.ids, identities)
        self.listings = ListingMaker(rng, self.draws, self.ids, config.end)

    def build(self, first: int, n: int) -> Chunk:
        """Rows of cases ``first .. first+n-1`` for (cases, parties, dishonest_entries, restrictions)."""
        out: Chunk = ([], [], [], [])
        case_rows, party_rows, entry_rows, restriction_rows = out
        for index in range(first, first + n):
            case = self._case_row(index)
            case_rows.append(case)
            self._debtors(case, party_rows, entry_rows, restriction_rows)
        return out

    # -- the case --------------------------------------------------------------------------------

    def _case_row(self, index: int) -> Row:
        rng = self.rng
        # Filing dates advance with the index, so sequence numbers increase with the filing date.
        filing = self.start + timedelta(days=index * self.span_days // max(self.config.cases, 1))
        court = WEIGHTED_COURTS.pick(rng)
        type_code = WEIGHTED_CASE_TYPES.pick(rng)
        case_no = self.case_numbers.next(court, filing.year, type_code)
        status = WEIGHTED_STATUSES.pick(rng)
        military = rng.random() < P_MILITARY_CASE
        amount = Decimal(f"{min(max(rng.lognormvariate(11.3, 1.3), 500.0), 5e7):.2f}")
        basis_no, basis_issuer, criminal = self._basis(court, filing)
        template = rng.choice(CRIMINAL_OBLIGATIONS if criminal else OBLIGATIONS)
        case_id = self.ids.take("cases")
        changed = filing if status == "OPEN" else self.draws.later(filing, 30, 500)
        return {
            "id": case_id,
            "case_no": case_no,
            "court_code": court,
            "court_name": COURTS[court],
            "type_code": type_code,
            "filing_date": filing,
            "status": status,
            "basis_doc_no": basis_no,
            "basis_issuer": basis_issuer,
            "obligation": template.format(a=f"{amount:,.2f}"),
            "amount": amount,
            "officer": self.draws.pick(self.officers),
            "military_related": military,
            "updated_at": self.draws.stamp(changed),
        }

    def _basis(self, court: str, filing: date) -> tuple[str, str, bool]:
        """The document being enforced (执行依据): number, issuing body, and whether it is criminal."""
        rng = self.rng
        year = filing.year - rng.choice((0, 1, 1))
        number = self.draws.int_between(1, 9999 if court in BASIC_COURTS else 999)
        city = court[:3] if court not in HIGH_COURT and court not in SPECIALISED_COURTS else "宁01"
        r = rng.random()
        if r < 0.72:
            return f"（{year}）{court}民初{number}号", COURTS[court], False
        if r < 0.84:
            appeal = city if court in BASIC_COURTS else "宁"
            return f"（{year}）{appeal}民终{number}号", COURTS[appeal], False
        if r < 0.90:
            return f"（{year}）{court}刑初{number}号", COURTS[court], True
        issuer = ARBITRATION.get(city, "银川仲裁委员会")
        return f"{issuer[:2]}仲裁字〔{year}〕第{number}号", issuer, False

    # -- its debtors -----------------------------------------------------------------------------

    def _debtors(self, case: Row, party_rows: list[Row], entry_rows: list[Row], restriction_rows: list[Row]) -> None:
        """One to three debtors of ``case``, most listed (perhaps with a defect), most restricted."""
        rng = self.rng
        case_id, court, filing, status = case["id"], case["court_code"], case["filing_date"], case["status"]
        used_keys: set[str] = set()
        restriction_no = 0
        for _ in range(WEIGHTED_DEBTOR_COUNTS.pick(rng)):
            listed = rng.random() < P_LISTED
            defect = self.defects.next() if listed else None
            decision = self.draws.later(filing, 20, 400)
            ctx = PartyContext(case_id, court, filing, decision, case["military_related"], defect, used_keys)
            debtor, listed_party = self._debtor(ctx, party_rows)
            if listed:
                self._listing(ctx, status, debtor, listed_party, entry_rows)
            if rng.random() < P_RESTRICTED:
                restriction_no += 1
                restriction_rows.append(
                    self.listings.restriction(case_id, debtor["id"], case["case_no"], restriction_no, filing, status)
                )

    def _debtor(self, ctx: PartyContext, party_rows: list[Row]) -> tuple[Row, Row]:
        """Append the debtor's party rows; return the debtor and the party to list (differs if broken)."""
        if ctx.defect == "minor":
            is_person = True
        elif ctx.defect in ("org_with_person_id", "legal_rep_listed"):
            is_person = False
        else:
            is_person = self.rng.random() < P_PERSON
        if is_person:
            debtor = self.parties.person_debtor(ctx)
            party_rows.append(debtor)
            return debtor, debtor
        org, rep = self.parties.org_debtor(ctx)
        party_rows.append(org)
        party_rows.append(rep)
        return org, rep if ctx.defect == "legal_rep_listed" else org

    def _listing(
        self, ctx: PartyContext, case_status: str, debtor: Row, listed_party: Row, entry_rows: list[Row]
    ) -> None:
        """Append the dishonest-list entry of ``listed_party`` (twice for ``duplicate_row``); report defects."""
        defect = ctx.defect
        self.report.listings += 1
        entry = self.listings.entry(ctx.case_id, listed_party["id"], ctx.decision, case_status, defect)
        entry_rows.append(entry)
        if defect is not None:
            self._record_defect(defect, debtor, entry)
        if defect == "duplicate_row":
            twin = dict(entry, id=self.ids.take("dishonest_entries"))
            entry_rows.append(twin)
            self.report.defects[defect].append(twin["id"])
            self.report.defect_entries[defect].append(twin["id"])

    def _record_defect(self, defect: str, debtor: Row, entry: Row) -> None:
        if defect == "duplicate_row":
            return  # recorded on the twin
        row_id = debtor["id"] if DEFECT_TABLES[defect] == "parties" else entry["id"]
        self.report.defects[defect].append(row_id)
        self.report.defect_entries[defect].append(entry["id"])
