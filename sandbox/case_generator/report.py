"""What :func:`~sandbox.case_generator.generate` inserted: :class:`GenerationReport`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .config import GENERATED_TABLES, GeneratorConfig
from .defects import DEFECT_KINDS


@dataclass
class GenerationReport:
    """What :func:`generate` inserted: rows per table and, per defect kind, which rows it broke.

    ``defects[kind]`` lists row ids in the table ``DEFECT_TABLES[kind]`` (parties for identity defects,
    dishonest_entries for listing defects); ``defect_entries[kind]`` lists the dishonest_entries ids
    concerned by each defect whatever the kind, which is what a quality gate on the list flow sees.
    """

    config: GeneratorConfig
    rows: dict[str, int] = field(default_factory=lambda: {t.name: 0 for t in GENERATED_TABLES})
    defects: dict[str, list[int]] = field(default_factory=lambda: {k: [] for k in DEFECT_KINDS})
    defect_entries: dict[str, list[int]] = field(default_factory=lambda: {k: [] for k in DEFECT_KINDS})
    listings: int = 0  # dishonest entries before duplicates: the denominator of defect_rate
    seconds: float = 0.0

    @property
    def defect_counts(self) -> dict[str, int]:
        """Number of defects injected per kind."""
        return {kind: len(ids) for kind, ids in self.defects.items()}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (counts, not row ids)."""
        return {
            "seed": self.config.seed,
            "cases_requested": self.config.cases,
            "defect_rate": self.config.defect_rate,
            "rows": dict(self.rows),
            "listings": self.listings,
            "defects": self.defect_counts,
            "seconds": round(self.seconds, 3),
        }
