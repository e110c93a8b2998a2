"""Synthetic Ningxia enforcement case system (执行办案系统) for the demo, the tests and the benchmarks.

Why synthetic: real case data carries sensitive personal information (PIPL art. 28) and never leaves the
courts, yet every flow of the hub starts from these tables. The generator fills the tables of
:mod:`hub.casesystem.schema` with data that looks like the real thing where the hub cares:

- case numbers ``（2021）宁0104执123号`` of real Ningxia courts (:mod:`hub.identifiers.courts`), numbered
  per court, year and type code in filing order;
- resident IDs (GB 11643) and unified social credit codes (GB 32100, with a GB 11714 organisation code
  inside) with correct check characters, birth dates and sexes that agree with the ID, mostly Ningxia
  region codes, some other provinces and some retired Ningxia codes for older people (a code is where
  the number was first assigned: it may predate or postdate the birth, see ``/work/shared/domain.md``);
- organisation debtors each with a ``LEGAL_REPRESENTATIVE`` person party, who is never listed;
- dishonest-list entries that obey the 2017 rules (no minors, triggers 2-6 expire after two years, grace
  periods before publication) and consumption restrictions for most debtors;
- a few repeat debtors (the same person or company in several cases), party members, public servants
  and military-related cases, which drive the pushes to 纪委监委, 组织人事部门 and the military courts.

Then it breaks a controlled share of the listings on purpose (``defect_rate``), one defect kind per
broken listing, and says exactly which rows it broke (:class:`GenerationReport`), so that quality gates
can be tested against a known answer. :func:`evolve` then moves time forward the way the case system
does, bumping ``version`` and ``updated_at`` (with deliberate ties) so that incremental extraction and
delivery can be demonstrated and tested.

Everything is derived from the seed, including timestamps: the same seed gives the same rows, byte for
byte, on SQLite and MariaDB. Rows are built and inserted in chunks, so memory stays flat whatever the
number of cases.

Modules, one job each: :mod:`.config` (what to generate), :mod:`.realism` (weights and texts),
:mod:`.pools` (Faker pools, weighted tables), :mod:`.draws` (fast deterministic draws),
:mod:`.identities` (IDs, credit codes, check characters), :mod:`.parties`, :mod:`.listings` and
:mod:`.builder` (rows of a chunk), :mod:`.defects` (which listings break, how), :mod:`.writer`
(inserting chunks), :mod:`.generation` (:func:`generate`, :func:`reset`) and :mod:`.evolution`
(:func:`evolve`).
"""

from __future__ import annotations

from .config import CHUNK_CASES, GENERATED_TABLES, GeneratorConfig
from .defects import DEFECT_KINDS, DEFECT_TABLES
from .evolution import EvolutionReport, evolve
from .generation import ProgressCallback, generate, reset
from .identities import orgcode_check_char, ric_check_char, uscc_check_char
from .report import GenerationReport

__all__ = [
    "CHUNK_CASES",
    "DEFECT_KINDS",
    "DEFECT_TABLES",
    "GENERATED_TABLES",
    "EvolutionReport",
    "GenerationReport",
    "GeneratorConfig",
    "ProgressCallback",
    "evolve",
    "generate",
    "orgcode_check_char",
    "reset",
    "ric_check_char",
    "uscc_check_char",
]
