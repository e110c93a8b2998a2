"""The defects the generator injects on purpose, and the schedule that decides which listings get one.

Why on purpose: a quality gate can only be tested against a known answer. Each broken listing gets
exactly one defect kind, and :class:`~sandbox.case_generator.report.GenerationReport` says which rows.
"""

from __future__ import annotations

import random

#: Defect kinds injected at ``defect_rate``, in the order they are documented.
DEFECT_KINDS: tuple[str, ...] = (
    "bad_checksum",  # resident ID or credit code with a wrong check character
    "minor",  # a person listed as dishonest while under 18 on decision_date (ID and birth date agree)
    "missing_field",  # the listed party's name or id_number is NULL
    "org_with_person_id",  # an ORG party with id_type RIC and a resident ID (its legal rep's)
    "duplicate_row",  # a second entry identical in case, party, trigger and decision_date
    "legal_rep_listed",  # the entry names the org's LEGAL_REPRESENTATIVE instead of the org
    "date_order",  # publish_date before decision_date
)

#: The table whose row ids :attr:`GenerationReport.defects` lists for each kind.
DEFECT_TABLES: dict[str, str] = {
    "bad_checksum": "parties",
    "minor": "dishonest_entries",
    "missing_field": "parties",
    "org_with_person_id": "parties",
    "duplicate_row": "dishonest_entries",
    "legal_rep_listed": "dishonest_entries",
    "date_order": "dishonest_entries",
}


class DefectSchedule:
    """Decides which listings get a defect: ``rate`` of them, kinds in equal shares.

    Randomised positions, but the running count never strays more than one from ``seen * rate``, and the
    kinds are dealt from shuffled decks of all kinds, so even a small run gets every kind at the rate.
    """

    def __init__(self, rate: float, rng: random.Random):
        self.rate = rate
        self.rng = rng
        self.seen = 0
        self.injected = 0
        self.deck: list[str] = []

    def next(self) -> str | None:
        """The defect kind for the next listing, or None to leave it sound."""
        self.seen += 1
        due = self.seen * self.rate - self.injected
        if due <= 0 or (due < 1 and self.rng.random() >= due):
            return None
        self.injected += 1
        if not self.deck:
            self.deck = list(DEFECT_KINDS)
            self.rng.shuffle(self.deck)
        return self.deck.pop()
