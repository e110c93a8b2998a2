"""What the builder draws from: Faker name and company-word pools per seed, weighted realism tables.

Why pools: Faker is slow per call, so names are drawn once per run and reused. The weighted tables do
not depend on the seed, so they are built once, at import.
"""

from __future__ import annotations

from dataclasses import dataclass

from faker import Faker

from hub.identifiers.courts import BASIC_COURTS, COURTS, HIGH_COURT, SPECIALISED_COURTS

from .draws import Weighted
from .realism import (
    BASIC_COURT_WEIGHTS,
    CASE_STATUS_WEIGHTS,
    CASE_TYPE_WEIGHTS,
    DEBTORS_PER_CASE,
    INTERMEDIATE_COURT_WEIGHTS,
    LEVEL_WEIGHTS,
    NINGXIA_REGIONS,
    ORG_SUFFIXES,
    TRIGGER_WEIGHTS,
    USCC_PREFIX_WEIGHTS,
)

#: Pool sizes: Faker is slow per call, so names are drawn once per run and reused.
NAME_POOL = 6000
OFFICER_POOL = 400


@dataclass(frozen=True)
class NamePools:
    """Names of people (by sex), of enforcement officers, and words for company names."""

    male_names: list[str]
    female_names: list[str]
    officers: list[str]
    company_prefixes: list[str]

    @classmethod
    def from_seed(cls, seed: int) -> NamePools:
        """The pools of ``seed``, from a zh_CN Faker seeded with it (its own stream, not the builder's)."""
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        # zh_CN's name_male()/name_female() ignore sex; compose from the sexed given-name lists instead.
        male_names = [fake.last_name() + fake.first_name_male() for _ in range(NAME_POOL)]
        female_names = [fake.last_name() + fake.first_name_female() for _ in range(NAME_POOL)]
        officers = [fake.name() for _ in range(OFFICER_POOL)]
        company_prefixes = sorted({fake.company_prefix() for _ in range(2000)})
        return cls(male_names, female_names, officers, company_prefixes)


def place_of_court(code: str) -> str:
    """The county or city a court serves, for employers' names: 银川市兴庆区人民法院 → 银川市兴庆区."""
    return COURTS[code].removesuffix("人民法院")


def _court_weights() -> list[tuple[str, float]]:
    """Every court with its weight: the level's share split by the weights within the level."""
    levels = {"basic": BASIC_COURT_WEIGHTS, "intermediate": INTERMEDIATE_COURT_WEIGHTS}
    levels["high"] = dict.fromkeys(HIGH_COURT, 1.0)
    levels["specialised"] = dict.fromkeys(SPECIALISED_COURTS, 1.0)
    return [
        (code, LEVEL_WEIGHTS[level] * w / sum(ws.values())) for level, ws in levels.items() for code, w in ws.items()
    ]


WEIGHTED_COURTS = Weighted(_court_weights())
WEIGHTED_CASE_TYPES = Weighted(CASE_TYPE_WEIGHTS)
WEIGHTED_STATUSES = Weighted(CASE_STATUS_WEIGHTS)
WEIGHTED_TRIGGERS = Weighted(TRIGGER_WEIGHTS)
WEIGHTED_DEBTOR_COUNTS = Weighted(DEBTORS_PER_CASE)
WEIGHTED_ORG_SUFFIXES = Weighted(ORG_SUFFIXES)
WEIGHTED_USCC_PREFIXES = Weighted(USCC_PREFIX_WEIGHTS)
WEIGHTED_NINGXIA_REGIONS = Weighted(NINGXIA_REGIONS)
#: Ningxia region codes per prefecture-level city (first four digits), for intermediate courts' debtors.
WEIGHTED_REGIONS_BY_CITY = {
    city: Weighted({c: w for c, w in NINGXIA_REGIONS.items() if c.startswith(city)})
    for city in {c[:4] for c in NINGXIA_REGIONS}
}
#: Basic court code → the county or city it serves.
BASIC_PLACES = {code: place_of_court(code) for code in BASIC_COURTS}
