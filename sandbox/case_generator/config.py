"""What the generator is asked for (:class:`GeneratorConfig`) and which tables it fills, in what chunks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from hub.casesystem.schema import cases, consumption_restrictions, dishonest_entries, parties

#: The tables the generator fills, parents first.
GENERATED_TABLES = (cases, parties, dishonest_entries, consumption_restrictions)

#: Cases built and inserted per transaction: about 40,000 rows, a few MB of Python objects.
CHUNK_CASES = 10_000

#: Rows of one chunk, one list per table of :data:`GENERATED_TABLES`, in that order.
Chunk = tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]


@dataclass
class GeneratorConfig:
    """What to generate. The defaults give the demo a five-year programme (2019-2023) of 1,000 cases.

    ``defect_rate`` is the share of dishonest listings that get exactly one defect; the kinds take equal
    shares of it (a rate of 0.07 gives about 1% of listings per kind).
    """

    cases: int = 1000
    seed: int = 2019
    defect_rate: float = 0.05
    start: date = date(2019, 1, 1)
    end: date = date(2023, 12, 31)

    def __post_init__(self) -> None:
        if self.cases < 0:
            raise ValueError(f"cases must be >= 0, got {self.cases}")
        if not 0.0 <= self.defect_rate <= 1.0:
            raise ValueError(f"defect_rate must be between 0 and 1, got {self.defect_rate}")
        if self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
