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
"""

from __future__ import annotations

import bisect
import random
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from faker import Faker
from sqlalchemy import Engine, Table, and_, bindparam, func, select, text, update
from sqlalchemy.engine import Connection

from hub.casesystem.schema import (
    DISHONEST_TRIGGERS,
    cases,
    consumption_restrictions,
    dishonest_entries,
    metadata,
    parties,
)
from hub.errors import ConfigurationError
from hub.identifiers.courts import BASIC_COURTS, COURTS, HIGH_COURT, INTERMEDIATE_COURTS, SPECIALISED_COURTS

# ---------------------------------------------------------------------------------------------------
# Public constants

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

#: The tables the generator fills, parents first.
GENERATED_TABLES = (cases, parties, dishonest_entries, consumption_restrictions)

#: Cases built and inserted per transaction: about 40,000 rows, a few MB of Python objects.
CHUNK_CASES = 10_000

# ---------------------------------------------------------------------------------------------------
# Identifier arithmetic (generation side; the hub's validators live in hub.identifiers)

RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RIC_CHECK = "10X98765432"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORGCODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_USCC_VALUES = {c: i for i, c in enumerate(USCC_ALPHABET)}


def ric_check_char(body: str) -> str:
    """GB 11643 check character of the first 17 digits of a resident ID.

    >>> ric_check_char("11010519491231002")
    'X'
    """
    return RIC_CHECK[sum(int(c) * w for c, w in zip(body, RIC_WEIGHTS, strict=True)) % 11]


def orgcode_check_char(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body (A=10 ... Z=35).

    >>> orgcode_check_char("60003734")  # the organisation code inside 91110000600037341L
    '1'
    """
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, ORGCODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def uscc_check_char(body: str) -> str:
    """GB 32100 check character of the first 17 characters of a unified social credit code.

    >>> uscc_check_char("91110000600037341")
    'L'
    """
    total = sum(_USCC_VALUES[c] * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


# ---------------------------------------------------------------------------------------------------
# Realism tables (data, not logic: correct an entry here)

#: Ningxia region codes used in resident IDs, with a rough weight (population).
NINGXIA_REGIONS: dict[str, float] = {
    "640104": 8,  # 兴庆区
    "640105": 4,  # 西夏区
    "640106": 5,  # 金凤区
    "640121": 2.5,  # 永宁县
    "640122": 2.5,  # 贺兰县
    "640181": 3,  # 灵武市
    "640202": 3,  # 大武口区
    "640205": 2,  # 惠农区
    "640221": 3,  # 平罗县
    "640302": 4,  # 利通区
    "640303": 2,  # 红寺堡区
    "640323": 1.7,  # 盐池县
    "640324": 3.3,  # 同心县
    "640381": 2.8,  # 青铜峡市
    "640402": 4.5,  # 原州区
    "640422": 3.5,  # 西吉县
    "640423": 1.5,  # 隆德县
    "640424": 1,  # 泾源县
    "640425": 1.6,  # 彭阳县
    "640502": 4,  # 沙坡头区
    "640521": 3.4,  # 中宁县
    "640522": 3.5,  # 海原县
}

#: Codes retired since (still valid in old numbers): given to people born before RETIRED_BORN_BEFORE.
RETIRED_NINGXIA_REGIONS = ("640102", "640103", "640111", "640203", "642221", "642222", "642223")
RETIRED_BORN_BEFORE = 1985

#: Other provinces' codes for debtors who came from elsewhere (Gansu, Inner Mongolia, Shaanxi, Beijing).
OTHER_REGIONS = ("620102", "620402", "150102", "150302", "610102", "610113", "110105", "410102")

#: Court weights by level: mostly basic courts, some intermediate, few high court or railway court.
LEVEL_WEIGHTS = {"basic": 0.86, "intermediate": 0.12, "high": 0.01, "specialised": 0.01}
BASIC_COURT_WEIGHTS: dict[str, float] = {
    "宁0104": 14,
    "宁0105": 8,
    "宁0106": 10,
    "宁0121": 4,
    "宁0122": 4,
    "宁0181": 4,
    "宁0202": 5,
    "宁0205": 3,
    "宁0221": 4,
    "宁0302": 6,
    "宁0303": 1.5,
    "宁0323": 2,
    "宁0324": 2.5,
    "宁0381": 3,
    "宁0402": 5,
    "宁0422": 2.5,
    "宁0423": 1.5,
    "宁0424": 1,
    "宁0425": 1.5,
    "宁0502": 5,
    "宁0521": 3.5,
    "宁0522": 2.5,
}
INTERMEDIATE_COURT_WEIGHTS = {"宁01": 40, "宁02": 15, "宁03": 20, "宁04": 12, "宁05": 13}

#: Enforcement case type codes: mostly 执 (first enforcement), some 执恢 (resumed enforcement).
CASE_TYPE_WEIGHTS = {"执": 0.9, "执恢": 0.1}
CASE_STATUS_WEIGHTS = {"OPEN": 0.33, "CLOSED_NO_ASSETS": 0.46, "CONCLUDED": 0.15, "RESUMED": 0.06}

#: Dishonest-list trigger weights (trigger 1, able but refusing, dominates in practice).
TRIGGER_WEIGHTS = {1: 0.78, 2: 0.02, 3: 0.04, 4: 0.11, 5: 0.03, 6: 0.02}
#: Specific conduct texts per trigger (失信被执行人具体情形).
CONDUCTS: dict[int, tuple[str, ...]] = {
    1: (DISHONEST_TRIGGERS[1],),
    2: ("以伪造证据方法妨碍、抗拒执行", "以暴力、威胁方法妨碍、抗拒执行"),
    3: ("以隐匿、转移财产等方法规避执行", "以虚假诉讼方法规避执行", "以虚假仲裁方法规避执行"),
    4: (DISHONEST_TRIGGERS[4],),
    5: (DISHONEST_TRIGGERS[5],),
    6: (DISHONEST_TRIGGERS[6],),
}
PERFORMANCE_STATUSES = ("全部未履行", "部分履行")

SHIELD_REASONS = (
    "被执行人已履行全部义务",
    "执行和解协议已履行完毕",
    "申请执行人申请删除，经人民法院审查同意",
    "人民法院依法裁定终结执行",
)
REVOKE_REASONS = ("不符合纳入条件，依职权撤销", "被执行人申请纠正，经审查理由成立")
EXPIRE_REASON = "失信期限届满"

#: Listing periods: triggers 2-6 last two years (法释〔2017〕7号 art. 2); grace periods are 1-3 months.
LISTING_YEARS = 2
GRACE_DAYS = (30, 60, 90)

#: Shares that shape the population.
P_PERSON = 0.72
P_MALE = 0.78
P_LISTED = 0.85
P_RESTRICTED = 0.85
P_PARTY_MEMBER = 0.04
P_PUBLIC_SERVANT = 0.025
P_MILITARY_CASE = 0.015
P_REPEAT_DEBTOR = 0.03
P_OTHER_PROVINCE = 0.07
P_RETIRED_CODE = 0.05
P_LOCAL_REGION = 0.6
DEBTORS_PER_CASE = {1: 0.85, 2: 0.12, 3: 0.03}

BUREAUS = (
    "教育局",
    "自然资源局",
    "住房和城乡建设局",
    "农业农村局",
    "交通运输局",
    "市场监督管理局",
    "卫生健康局",
    "财政局",
    "人力资源和社会保障局",
    "水务局",
    "民政局",
    "人民政府办公室",
)
INDUSTRIES = (
    "商贸",
    "建设工程",
    "房地产开发",
    "农业科技",
    "物流",
    "餐饮管理",
    "矿业",
    "化工",
    "新型建材",
    "装饰工程",
    "劳务",
    "畜牧",
    "枸杞",
    "葡萄酒业",
    "能源",
    "汽车销售",
    "物业服务",
    "煤炭运销",
    "电子",
    "文化传媒",
)
ORG_PLACES = ("宁夏", "宁夏", "银川", "石嘴山", "吴忠", "固原", "中卫")
ORG_SUFFIXES = {"有限公司": 0.7, "有限责任公司": 0.2, "股份有限公司": 0.05, "集团有限公司": 0.05}
SHOPS = ("便利店", "建材店", "餐馆", "汽车修理部", "五金店", "农资店", "服装店", "家具店")
COOPS = ("枸杞种植", "马铃薯种植", "葡萄种植", "滩羊养殖", "肉牛养殖", "硒砂瓜种植")
#: Unified social credit code prefixes (registering authority + entity type): 91 enterprise,
#: 92 individual business (个体工商户), 93 farmers' cooperative (农民专业合作社).
USCC_PREFIX_WEIGHTS = {"91": 0.88, "92": 0.08, "93": 0.04}
ARBITRATION = {"宁01": "银川仲裁委员会", "宁02": "石嘴山仲裁委员会", "宁03": "吴忠仲裁委员会"}
OBLIGATIONS = (
    "偿还借款本金人民币{a}元及相应利息",
    "支付货款人民币{a}元",
    "支付工程款人民币{a}元及逾期付款违约金",
    "支付劳动报酬人民币{a}元",
    "赔偿经济损失人民币{a}元",
    "支付信用卡透支本息人民币{a}元",
    "返还购房款人民币{a}元",
    "支付租金人民币{a}元",
)
CRIMINAL_OBLIGATIONS = ("缴纳罚金人民币{a}元", "退赔被害人经济损失人民币{a}元")
CN_ORDINALS = "一二三四五六七八九十"

#: Pool sizes: Faker is slow per call, so names are drawn once per run and reused.
NAME_POOL = 6000
OFFICER_POOL = 400
REPEAT_POOL = 2000

_WORKDAY_START_US = (8 * 3600 + 30 * 60) * 1_000_000
_WORKDAY_US = int(9.5 * 3600 * 1_000_000)


# ---------------------------------------------------------------------------------------------------
# Public API


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


@dataclass
class EvolutionReport:
    """What :func:`evolve` changed.

    ``transitions`` counts changes as ``"table:FROM->TO"``; ``changed[table]`` lists the changed row ids;
    ``tied_rows`` counts changed rows whose ``updated_at`` equals another changed row's in the same
    table (ties are deliberate: the extractor must order by ``(updated_at, id)``).
    """

    seed: int
    fraction: float
    now: datetime
    transitions: dict[str, int] = field(default_factory=dict)
    changed: dict[str, list[int]] = field(
        default_factory=lambda: {dishonest_entries.name: [], consumption_restrictions.name: []}
    )
    first_updated_at: datetime | None = None
    last_updated_at: datetime | None = None
    tied_rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (counts, not row ids)."""
        return {
            "seed": self.seed,
            "fraction": self.fraction,
            "now": self.now.isoformat(),
            "transitions": dict(self.transitions),
            "changed": {t: len(ids) for t, ids in self.changed.items()},
            "first_updated_at": self.first_updated_at.isoformat() if self.first_updated_at else None,
            "last_updated_at": self.last_updated_at.isoformat() if self.last_updated_at else None,
            "tied_rows": self.tied_rows,
        }


ProgressCallback = Callable[[int, int, dict[str, int]], None]
_Chunk = tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]


def generate(
    engine: Engine, config: GeneratorConfig | None = None, *, progress: ProgressCallback | None = None
) -> GenerationReport:
    """Fill an empty case system with ``config.cases`` synthetic cases and return what was inserted.

    Creates the tables if missing. Refuses (ConfigurationError) when the generated tables already hold
    rows, because appending would restart case-number sequences and break determinism: call
    :func:`reset` first. Each chunk of :data:`CHUNK_CASES` cases is its own transaction, so memory stays
    flat; ``progress(cases_done, cases_total, rows_so_far)`` is called after each chunk has committed.
    On a server database the next chunk is built while the previous one is written (one writer thread,
    at most two chunks in memory): the server's insert time and Python's build time overlap.
    """
    config = config or GeneratorConfig()
    started = time.perf_counter()
    metadata.create_all(engine)  # the whole case-system schema, feedback table included
    with engine.connect() as conn:
        _check_target(conn)
    builder = _Builder(config)
    report = builder.report

    def write(first: int, n: int, chunk: _Chunk) -> None:
        with engine.begin() as conn:
            _fast_session(conn)
            for table, rows in zip(GENERATED_TABLES, chunk, strict=True):
                if rows:
                    _insert(conn, table, rows)
        for table, rows in zip(GENERATED_TABLES, chunk, strict=True):
            report.rows[table.name] += len(rows)
        if progress is not None:
            progress(first + n, config.cases, dict(report.rows))

    # SQLite gains nothing from a writer thread, and an in-memory database is one per thread.
    threads = 0 if engine.dialect.name == "sqlite" else 1
    with ThreadPoolExecutor(max_workers=max(threads, 1)) as writer:
        pending: Future[None] | None = None
        for first in range(0, config.cases, CHUNK_CASES):
            n = min(CHUNK_CASES, config.cases - first)
            chunk = builder.build(first, n)
            if pending is not None:
                pending.result()  # re-raises the writer's error; keeps at most two chunks alive
            if threads:
                pending = writer.submit(write, first, n, chunk)
            else:
                write(first, n, chunk)
            del chunk
        if pending is not None:
            pending.result()
    report.seconds = time.perf_counter() - started
    return report


def reset(engine: Engine) -> None:
    """Drop and recreate the generated tables (cases, parties, entries, restrictions) for a fresh run.

    Other tables of the schema (e.g. joint_punishment_feedback) are left alone.
    """
    metadata.drop_all(engine, tables=list(GENERATED_TABLES))
    metadata.create_all(engine, tables=list(GENERATED_TABLES))


def evolve(engine: Engine, seed: int, fraction: float = 0.1, now: datetime | None = None) -> EvolutionReport:
    """Move the case system forward in time: ``fraction`` of the changeable rows change state.

    Changeable rows and their moves: dishonest entries PENDING→PUBLISHED (publish_date set) and
    PUBLISHED→EXPIRED (when expires_on has passed), SHIELDED or REVOKED (state_reason set); consumption
    restrictions ISSUED→LIFTED (lifted_date set). Each change bumps ``version`` and sets ``updated_at``
    at or after ``now``, increasing in the order of the changes, with groups of rows sharing the same
    timestamp on purpose. ``now`` defaults to 09:00 on the day after the latest ``updated_at`` in the
    case system, so that repeated calls are deterministic and always move forward; a ``now`` not after
    that latest timestamp is refused (an extractor's watermark would never see the changes).
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    with engine.begin() as conn:
        latest = _latest_updated_at(conn)
        if latest is None:
            raise ConfigurationError("the case system is empty: run generate() (hub seed --cases N) first")
        if now is None:
            now = datetime.combine(latest.date() + timedelta(days=1), datetime.min.time()).replace(hour=9)
        elif now <= latest:
            raise ValueError(
                f"now={now.isoformat()} is not after the latest updated_at {latest.isoformat()}: "
                "time only moves forward"
            )
        report = EvolutionReport(seed=seed, fraction=fraction, now=now)
        rng = random.Random(f"evolve:{seed}:{now.isoformat()}")
        stamps: list[datetime] = []
        stamps += _evolve_entries(conn, rng, fraction, now, report)
        stamps += _evolve_restrictions(conn, rng, fraction, now, report)
    if stamps:
        report.first_updated_at = min(stamps)
        report.last_updated_at = max(stamps)
    return report


# ---------------------------------------------------------------------------------------------------
# Target checks


def _check_target(conn: Connection) -> None:
    """Refuse a non-empty target and, on MySQL/MariaDB, a database that cannot store Chinese text."""
    for table in GENERATED_TABLES:
        if conn.execute(select(table.c.id).limit(1)).first() is not None:
            count = conn.execute(select(func.count()).select_from(table)).scalar_one()
            raise ConfigurationError(
                f"table {table.name} already holds {count} rows: generate() fills an empty case system "
                "only; call sandbox.case_generator.reset(engine) (hub seed --replace) to start again"
            )
    if conn.dialect.name in ("mysql", "mariadb"):
        charset = conn.execute(text("SELECT @@character_set_database")).scalar_one()
        if not str(charset).startswith("utf8mb4"):
            raise ConfigurationError(
                f"database charset is {charset}, which cannot hold Chinese names: "
                "ALTER DATABASE ... CHARACTER SET utf8mb4 (or create it with that charset)"
            )


def _fast_session(conn: Connection) -> None:
    """On MySQL/MariaDB skip per-row FK and unique checks: ids are assigned here, parents first."""
    if conn.dialect.name in ("mysql", "mariadb"):
        conn.execute(text("SET SESSION foreign_key_checks = 0, unique_checks = 0"))


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert a chunk: executemany in general, multi-row literal INSERTs on MySQL/MariaDB over pymysql.

    Why the special case: with pymysql, per-value escaping in pure Python through SQLAlchemy's and the
    driver's generic dispatch dominated the client's time (rendering by type cut a 100,000-case run into
    MariaDB from 29 s to 22 s). The values here are the
    generator's own (str, int, bool, date, datetime, Decimal, None), so each is rendered by its type, and
    strings still go through pymysql's own escaping, honouring NO_BACKSLASH_ESCAPES like the driver.
    """
    if conn.dialect.name not in ("mysql", "mariadb") or conn.dialect.driver != "pymysql":
        conn.execute(table.insert(), rows)
        return
    import pymysql.converters
    from pymysql.constants import SERVER_STATUS

    dbapi_conn = conn.connection.dbapi_connection
    if dbapi_conn.server_status & SERVER_STATUS.SERVER_STATUS_NO_BACKSLASH_ESCAPES:

        def escape(value: str) -> str:
            return value.replace("'", "''")
    else:
        escape = pymysql.converters.escape_string

    def literal(value: Any) -> str:
        kind = type(value)
        if value is None:
            return "NULL"
        if kind is str:
            return "'" + escape(value) + "'"
        if kind is int or kind is Decimal:
            return str(value)
        if kind is bool:
            return "1" if value else "0"
        if kind is datetime:
            return "'" + value.isoformat(" ", "microseconds") + "'"
        if kind is date:
            return "'" + value.isoformat() + "'"
        raise TypeError(f"{table.name}: no literal for {kind.__name__} value {value!r}")

    quote = conn.dialect.identifier_preparer.quote
    names = [c.name for c in table.columns]
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) VALUES "
    cursor = dbapi_conn.cursor()
    try:
        for i in range(0, len(rows), _ROWS_PER_STATEMENT):
            values = ",".join(
                "(" + ",".join([literal(row[n]) for n in names]) + ")" for row in rows[i : i + _ROWS_PER_STATEMENT]
            )
            cursor.execute(head + values)  # no args: pymysql does no %-formatting
    finally:
        cursor.close()


#: Rows per literal INSERT statement on MySQL: well under max_allowed_packet (16 MB by default).
_ROWS_PER_STATEMENT = 2000


def _latest_updated_at(conn: Connection) -> datetime | None:
    values = [conn.execute(select(func.max(t.c.updated_at))).scalar() for t in GENERATED_TABLES]
    present = [v for v in values if v is not None]
    return max(present) if present else None


# ---------------------------------------------------------------------------------------------------
# Small helpers


class _Weighted:
    """Weighted choice by bisection over cumulative weights (faster than random.choices per call)."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, weights: dict[Any, float] | Sequence[tuple[Any, float]]):
        pairs = list(weights.items()) if isinstance(weights, dict) else list(weights)
        self.items = [item for item, _ in pairs]
        self.cum: list[float] = []
        total = 0.0
        for _, w in pairs:
            total += w
            self.cum.append(total)
        self.total = total

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


class _SeenIds:
    """A Bloom filter over identifier bodies so that two different people never share an ID.

    A false positive only makes the caller draw again, so the filter keeps memory flat (a few MB for a
    million debtors) without ever letting a real duplicate through. Hashing is arithmetic on the digits,
    not ``hash()``, which is salted per process and would break determinism.
    """

    _C1 = 0x9E3779B97F4A7C15
    _C2 = 0xC2B2AE3D27D4EB4F
    _M64 = (1 << 64) - 1

    def __init__(self, expected: int):
        self.nbits = max(16, (max(expected, 1) * 16).bit_length())
        self.bits = bytearray(1 << (self.nbits - 3))
        self.shift = 64 - self.nbits

    def add(self, key: int) -> bool:
        """Record ``key``; False if it may have been seen before (then draw another)."""
        h1 = (key * self._C1) & self._M64
        h2 = ((key * self._C2) & self._M64) | 1
        positions = [((h1 + i * h2) & self._M64) >> self.shift for i in range(3)]
        bits = self.bits
        if all(bits[p >> 3] & (1 << (p & 7)) for p in positions):
            return False
        for p in positions:
            bits[p >> 3] |= 1 << (p & 7)
        return True


class _DefectSchedule:
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
        self.seen += 1
        due = self.seen * self.rate - self.injected
        if due <= 0 or (due < 1 and self.rng.random() >= due):
            return None
        self.injected += 1
        if not self.deck:
            self.deck = list(DEFECT_KINDS)
            self.rng.shuffle(self.deck)
        return self.deck.pop()


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _region_of_court(code: str) -> str | None:
    """宁0104 → 640104 (basic courts are named by their county's region code)."""
    return "64" + code[1:] if code in BASIC_COURTS else None


def _place_of_court(code: str) -> str:
    """The county or city a court serves, for employers' names: 银川市兴庆区人民法院 → 银川市兴庆区."""
    return COURTS[code].removesuffix("人民法院")


# ---------------------------------------------------------------------------------------------------
# The builder


class _Builder:
    """Builds rows chunk by chunk from one ``random.Random(seed)``; ids are assigned here."""

    def __init__(self, config: GeneratorConfig):
        self.config = config
        self.report = GenerationReport(config=config)
        self.rng = rng = random.Random(config.seed)
        self._random = rng.random
        self.start = config.start
        self.end = config.end
        self.span_days = (config.end - config.start).days + 1
        self.next_id = {t.name: 1 for t in GENERATED_TABLES}
        self.sequences: dict[tuple[str, int, str], int] = {}
        self.seen = _SeenIds(config.cases * 3 + 1000)
        self.defects = _DefectSchedule(config.defect_rate, rng)
        self.repeat_persons: deque[dict[str, Any]] = deque(maxlen=REPEAT_POOL)
        self.repeat_orgs: deque[tuple[dict[str, Any], dict[str, Any]]] = deque(maxlen=REPEAT_POOL)

        fake = Faker("zh_CN")
        fake.seed_instance(config.seed)
        # zh_CN's name_male()/name_female() ignore sex; compose from the sexed given-name lists instead.
        self.male_names = [fake.last_name() + fake.first_name_male() for _ in range(NAME_POOL)]
        self.female_names = [fake.last_name() + fake.first_name_female() for _ in range(NAME_POOL)]
        self.officers = [fake.name() for _ in range(OFFICER_POOL)]
        self.company_prefixes = sorted({fake.company_prefix() for _ in range(2000)})

        levels = {"basic": BASIC_COURT_WEIGHTS, "intermediate": INTERMEDIATE_COURT_WEIGHTS}
        levels["high"] = dict.fromkeys(HIGH_COURT, 1.0)
        levels["specialised"] = dict.fromkeys(SPECIALISED_COURTS, 1.0)
        court_weights = [
            (code, LEVEL_WEIGHTS[level] * w / sum(ws.values()))
            for level, ws in levels.items()
            for code, w in ws.items()
        ]
        self.courts = _Weighted(court_weights)
        self.case_types = _Weighted(CASE_TYPE_WEIGHTS)
        self.statuses = _Weighted(CASE_STATUS_WEIGHTS)
        self.triggers = _Weighted(TRIGGER_WEIGHTS)
        self.n_debtors = _Weighted(DEBTORS_PER_CASE)
        self.org_suffixes = _Weighted(ORG_SUFFIXES)
        self.uscc_prefixes = _Weighted(USCC_PREFIX_WEIGHTS)
        self.ningxia = _Weighted(NINGXIA_REGIONS)
        self.ningxia_by_city = {
            city: _Weighted({c: w for c, w in NINGXIA_REGIONS.items() if c.startswith(city)})
            for city in {c[:4] for c in NINGXIA_REGIONS}
        }
        self.basic_places = {code: _place_of_court(code) for code in BASIC_COURTS}

    # -- chunks ----------------------------------------------------------------------------------

    def build(self, first: int, n: int) -> _Chunk:
        """Rows of cases ``first .. first+n-1`` for (cases, parties, dishonest_entries, restrictions)."""
        out: _Chunk = ([], [], [], [])
        for index in range(first, first + n):
            self._case(index, out)
        return out

    def _take_id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def _stamp(self, d: date) -> datetime:
        """A working-hours time on day ``d``, with microseconds (the schema keeps them)."""
        us = _WORKDAY_START_US + int(self._random() * _WORKDAY_US)
        return datetime(d.year, d.month, d.day) + timedelta(microseconds=us)

    def _later(self, d: date, lo: int, hi: int) -> date:
        """A day ``lo..hi`` days after ``d``, never after the end of the period."""
        return min(d + timedelta(days=self._int(lo, hi)), self.end)

    def _int(self, lo: int, hi: int) -> int:
        """Like ``rng.randint`` (inclusive), about three times faster: this runs millions of times."""
        return lo + int(self._random() * (hi - lo + 1))

    def _pick(self, items: Sequence[Any]) -> Any:
        """Like ``rng.choice``, faster (see :meth:`_int`)."""
        return items[int(self._random() * len(items))]

    # -- one case --------------------------------------------------------------------------------

    def _case(self, index: int, out: _Chunk) -> None:
        rng = self.rng
        case_rows, party_rows, entry_rows, restriction_rows = out
        # Filing dates advance with the index, so sequence numbers increase with the filing date.
        filing = self.start + timedelta(days=index * self.span_days // max(self.config.cases, 1))
        court = self.courts.pick(rng)
        type_code = self.case_types.pick(rng)
        key = (court, filing.year, type_code)
        seq = self.sequences.get(key, 0) + 1
        self.sequences[key] = seq
        case_no = f"（{filing.year}）{court}{type_code}{seq}号"
        status = self.statuses.pick(rng)
        military = rng.random() < P_MILITARY_CASE
        amount = Decimal(f"{min(max(rng.lognormvariate(11.3, 1.3), 500.0), 5e7):.2f}")
        basis_no, basis_issuer, criminal = self._basis(court, filing)
        template = rng.choice(CRIMINAL_OBLIGATIONS if criminal else OBLIGATIONS)
        case_id = self._take_id("cases")
        changed = filing if status == "OPEN" else self._later(filing, 30, 500)
        case_rows.append(
            {
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
                "officer": self._pick(self.officers),
                "military_related": military,
                "updated_at": self._stamp(changed),
            }
        )

        used_keys: set[str] = set()
        restriction_no = 0
        for _ in range(self.n_debtors.pick(rng)):
            listed = rng.random() < P_LISTED
            defect = self.defects.next() if listed else None
            decision = self._later(filing, 20, 400)
            if defect == "minor":
                is_person = True
            elif defect in ("org_with_person_id", "legal_rep_listed"):
                is_person = False
            else:
                is_person = rng.random() < P_PERSON
            ctx = _PartyContext(case_id, court, filing, decision, military, defect, used_keys)
            if is_person:
                debtor = self._person_debtor(ctx)
                party_rows.append(debtor)
                listed_party = debtor
            else:
                org, rep = self._org_debtor(ctx)
                party_rows.append(org)
                party_rows.append(rep)
                debtor = org
                listed_party = rep if defect == "legal_rep_listed" else org

            if listed:
                self.report.listings += 1
                entry = self._entry(case_id, listed_party["id"], decision, status, defect)
                entry_rows.append(entry)
                if defect is not None:
                    self._record_defect(defect, debtor, entry)
                if defect == "duplicate_row":
                    twin = dict(entry, id=self._take_id("dishonest_entries"))
                    entry_rows.append(twin)
                    self.report.defects[defect].append(twin["id"])
                    self.report.defect_entries[defect].append(twin["id"])

            if rng.random() < P_RESTRICTED:
                restriction_no += 1
                restriction_rows.append(
                    self._restriction(case_id, debtor["id"], case_no, restriction_no, filing, status)
                )

    def _record_defect(self, defect: str, debtor: dict[str, Any], entry: dict[str, Any]) -> None:
        if defect == "duplicate_row":
            return  # recorded on the twin
        row_id = debtor["id"] if DEFECT_TABLES[defect] == "parties" else entry["id"]
        self.report.defects[defect].append(row_id)
        self.report.defect_entries[defect].append(entry["id"])

    def _basis(self, court: str, filing: date) -> tuple[str, str, bool]:
        """The document being enforced (执行依据): number, issuing body, and whether it is criminal."""
        rng = self.rng
        year = filing.year - rng.choice((0, 1, 1))
        number = self._int(1, 9999 if court in BASIC_COURTS else 999)
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

    # -- parties ---------------------------------------------------------------------------------

    def _region(self, court: str, birth_year: int) -> str:
        rng = self.rng
        r = rng.random()
        if r < P_OTHER_PROVINCE:
            return rng.choice(OTHER_REGIONS)
        if r < P_OTHER_PROVINCE + P_RETIRED_CODE and birth_year < RETIRED_BORN_BEFORE:
            return rng.choice(RETIRED_NINGXIA_REGIONS)
        if rng.random() < P_LOCAL_REGION:
            local = _region_of_court(court)
            if local is not None:
                return local
            by_city = self.ningxia_by_city.get("64" + court[1:3]) if court in INTERMEDIATE_COURTS else None
            if by_city is not None:
                return by_city.pick(rng)
        return self.ningxia.pick(rng)

    def _birth(self, on: date, minor: bool) -> date:
        """A birth date making the person an adult on ``on`` (or, for the defect, aged 15 to 17)."""
        rng = self.rng
        if minor:
            return _add_years(on, -rng.randint(15, 17)) - timedelta(days=rng.randint(0, 300))
        latest = min(date(2004, 12, 31), _add_years(on, -18) - timedelta(days=1))
        while True:
            year = rng.triangular(1950, 2005, 1976)
            birth = date(1950, 1, 1) + timedelta(days=int((year - 1950) * 365.25))
            if birth <= latest:
                return birth

    def _resident_id(self, region: str, birth: date, male: bool) -> str:
        while True:
            seq = 2 * self._int(0, 499) + 1 if male else 2 * self._int(1, 499)
            body = f"{region}{birth:%Y%m%d}{seq:03d}"
            if self.seen.add(int(body)):
                return body + ric_check_char(body)

    def _person(self, court: str, on: date, minor: bool = False) -> dict[str, Any]:
        """Identity of a new person: name, resident ID, birth date and sex that agree."""
        rng = self.rng
        male = rng.random() < P_MALE
        birth = self._birth(on, minor)
        region = self._region(court, birth.year)
        return {
            "name": self._pick(self.male_names if male else self.female_names),
            "id_type": "RIC",
            "id_number": self._resident_id(region, birth, male),
            "birth_date": birth,
            "sex": "M" if male else "F",
        }

    def _flags(self, court: str, military: bool, allow_servant: bool = True) -> dict[str, Any]:
        rng = self.rng
        servant = allow_servant and rng.random() < P_PUBLIC_SERVANT
        member = rng.random() < (0.7 if servant else P_PARTY_MEMBER)
        employer = None
        if servant:
            place = self.basic_places.get(court) or self.basic_places[rng.choice(list(BASIC_COURTS))]
            employer = place + rng.choice(BUREAUS)
        return {
            "is_party_member": member,
            "is_public_servant": servant,
            "is_military_related": military,
            "employer": employer,
        }

    def _party_row(self, ctx: _PartyContext, role: str, kind: str, identity: dict[str, Any]) -> dict[str, Any]:
        row = {
            "id": self._take_id("parties"),
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
            "updated_at": self._stamp(ctx.filing),
        }
        row.update(identity)
        return row

    def _reuse(self, pool: deque, ctx: _PartyContext) -> Any:
        """A repeat debtor from an earlier case, if one fits (adult on this decision date, not in this case)."""
        rng = self.rng
        if ctx.defect is not None or not pool or rng.random() >= P_REPEAT_DEBTOR:
            return None
        candidate = pool[rng.randrange(len(pool))]
        person = candidate[1] if isinstance(candidate, tuple) else candidate
        key = (candidate[0] if isinstance(candidate, tuple) else candidate)["id_number"]
        if key in ctx.used_keys or _age(person["birth_date"], ctx.decision) < 18:
            return None
        return candidate

    def _person_debtor(self, ctx: _PartyContext) -> dict[str, Any]:
        identity = self._reuse(self.repeat_persons, ctx)
        if identity is None:
            identity = {**self._person(ctx.court, ctx.decision, ctx.defect == "minor")}
            identity.update(self._flags(ctx.court, ctx.military))
            if ctx.defect is None:
                self.repeat_persons.append(identity)
        identity = dict(identity, is_military_related=ctx.military)
        ctx.used_keys.add(identity["id_number"])
        row = self._party_row(ctx, "DEBTOR", "PERSON", identity)
        if ctx.defect == "bad_checksum":
            row["id_number"] = self._break_check(row["id_number"], RIC_CHECK)
        elif ctx.defect == "missing_field":
            row[self.rng.choice(("name", "id_number"))] = None
        return row

    def _org_debtor(self, ctx: _PartyContext) -> tuple[dict[str, Any], dict[str, Any]]:
        reused = self._reuse(self.repeat_orgs, ctx)
        if reused is None:
            rep = {**self._person(ctx.court, ctx.decision)}
            rep.update(self._flags(ctx.court, False, allow_servant=False))
            org = self._org_identity(ctx.court)
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
            org_row["id_number"] = self._break_check(org_row["id_number"], USCC_ALPHABET)
        elif ctx.defect == "missing_field":
            org_row[self.rng.choice(("name", "id_number"))] = None
        elif ctx.defect == "org_with_person_id":
            # The classic clerk's slip: the legal representative's ID typed into the company's record.
            org_row["id_type"] = "RIC"
            org_row["id_number"] = rep_row["id_number"]
        return org_row, rep_row

    def _org_identity(self, court: str) -> dict[str, Any]:
        rng = self.rng
        prefix = self.uscc_prefixes.pick(rng)
        local = _region_of_court(court) or self.ningxia.pick(rng)
        place = self.basic_places.get("宁" + local[2:], "")
        word = rng.choice(self.company_prefixes)
        if prefix == "92":
            name = f"{place.split('市')[-1] or place}{word}{rng.choice(SHOPS)}"
        elif prefix == "93":
            name = f"{place}{word}{rng.choice(COOPS)}专业合作社"
        else:
            name = f"{rng.choice(ORG_PLACES)}{word}{rng.choice(INDUSTRIES)}{self.org_suffixes.pick(rng)}"
        region = local if rng.random() < 0.6 else local[:4] + "00"
        while True:
            if rng.random() < 0.7:
                body = "MA" + "".join(rng.choices(USCC_ALPHABET, k=6))
            else:
                body = f"{rng.randrange(10**8):08d}"
            code17 = f"{prefix}{region}{body}{orgcode_check_char(body)}"
            if self.seen.add(int(code17, 36) + (1 << 96)):
                break
        return {"name": name, "id_type": "USCC", "id_number": code17 + uscc_check_char(code17)}

    def _break_check(self, number: str, alphabet: str) -> str:
        wrong = [c for c in alphabet if c != number[-1]]
        return number[:-1] + self.rng.choice(wrong)

    # -- listings and restrictions ---------------------------------------------------------------

    def _entry(
        self, case_id: int, party_id: int, decision: date, case_status: str, defect: str | None
    ) -> dict[str, Any]:
        rng = self.rng
        end = self.end
        trigger = self.triggers.pick(rng)
        expires = _add_years(decision, LISTING_YEARS) if trigger >= 2 else None
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
                publish = self._later(decision, 0, 3)
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
                last = self._later(expires, 0, 3)  # type: ignore[arg-type]
                version += 1
            elif state != "PUBLISHED":
                last = self._later(publish, 1, max(1, (end - publish).days))
                version += 1
            if defect == "date_order":
                publish = decision - timedelta(days=rng.randint(1, 30))
        return {
            "id": self._take_id("dishonest_entries"),
            "case_id": case_id,
            "party_id": party_id,
            "trigger_code": trigger,
            "conduct": self._pick(CONDUCTS[trigger]),
            "performance_status": PERFORMANCE_STATUSES[rng.random() < 0.2],
            "decision_date": decision,
            "publish_date": publish,
            "grace_until": grace,
            "expires_on": expires,
            "state": state,
            "state_reason": reason,
            "version": version,
            "updated_at": self._stamp(last),
        }

    def _restriction(
        self, case_id: int, party_id: int, case_no: str, number: int, filing: date, case_status: str
    ) -> dict[str, Any]:
        rng = self.rng
        issued = self._later(filing, 5, 120)
        lifted = None
        if case_status == "CONCLUDED" or rng.random() < 0.06:
            lifted = self._later(issued, 1, max(1, (self.end - issued).days))
        suffix = CN_ORDINALS[number - 1] if number <= len(CN_ORDINALS) else str(number)
        return {
            "id": self._take_id("consumption_restrictions"),
            "case_id": case_id,
            "party_id": party_id,
            "order_no": f"{case_no}之{suffix}",
            "issued_date": issued,
            "lifted_date": lifted,
            "state": "LIFTED" if lifted else "ISSUED",
            "version": 2 if lifted else 1,
            "updated_at": self._stamp(lifted or issued),
        }


@dataclass
class _PartyContext:
    case_id: int
    court: str
    filing: date
    decision: date
    military: bool
    defect: str | None
    used_keys: set[str]


# ---------------------------------------------------------------------------------------------------
# Evolution


def _sample_ids(conn: Connection, column, where, rng: random.Random, fraction: float) -> list[int]:
    ids = list(conn.execute(select(column).where(where).order_by(column)).scalars())
    k = round(fraction * len(ids))
    return sorted(rng.sample(ids, k)) if k else []


def _stamps(rng: random.Random, now: datetime, n: int) -> list[datetime]:
    """``n`` non-decreasing timestamps from ``now`` in groups that share a value (the first has two)."""
    out: list[datetime] = []
    t = now
    while len(out) < n:
        size = 2 if not out else rng.choice((1, 1, 1, 2, 2, 3, 5))
        out.extend([t] * size)
        t += timedelta(microseconds=rng.randint(1, 2_000_000))
    return out[:n]


def _count_ties(stamps: list[datetime]) -> int:
    counts: dict[datetime, int] = {}
    for s in stamps:
        counts[s] = counts.get(s, 0) + 1
    return sum(c for c in counts.values() if c > 1)


def _in_chunks(ids: list[int], size: int = 1000):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _evolve_entries(
    conn: Connection, rng: random.Random, fraction: float, now: datetime, report: EvolutionReport
) -> list[datetime]:
    t = dishonest_entries
    chosen = _sample_ids(conn, t.c.id, t.c.state.in_(("PENDING", "PUBLISHED")), rng, fraction)
    today = now.date()
    changes: list[dict[str, Any]] = []
    for ids in _in_chunks(chosen):
        query = select(t.c.id, t.c.state, t.c.decision_date, t.c.publish_date, t.c.expires_on, t.c.version)
        for row in conn.execute(query.where(t.c.id.in_(ids)).order_by(t.c.id)):
            change = {
                "b_id": row.id,
                "b_old_state": row.state,
                "b_old_version": row.version,
                "version": row.version + 1,
                "publish_date": row.publish_date,
                "state_reason": None,
            }
            if row.state == "PENDING":
                change["state"] = "PUBLISHED"
                change["publish_date"] = max(today, row.decision_date)
            elif row.expires_on is not None and row.expires_on <= today:
                change["state"], change["state_reason"] = "EXPIRED", EXPIRE_REASON
            elif rng.random() < 0.75:
                change["state"], change["state_reason"] = "SHIELDED", rng.choice(SHIELD_REASONS)
            else:
                change["state"], change["state_reason"] = "REVOKED", rng.choice(REVOKE_REASONS)
            changes.append(change)
    return _apply(conn, t, changes, rng, now, report, ("state", "publish_date", "state_reason", "version"))


def _evolve_restrictions(
    conn: Connection, rng: random.Random, fraction: float, now: datetime, report: EvolutionReport
) -> list[datetime]:
    t = consumption_restrictions
    chosen = _sample_ids(conn, t.c.id, t.c.state == "ISSUED", rng, fraction)
    today = now.date()
    changes: list[dict[str, Any]] = []
    for ids in _in_chunks(chosen):
        query = select(t.c.id, t.c.state, t.c.issued_date, t.c.version)
        for row in conn.execute(query.where(t.c.id.in_(ids)).order_by(t.c.id)):
            changes.append(
                {
                    "b_id": row.id,
                    "b_old_state": row.state,
                    "b_old_version": row.version,
                    "state": "LIFTED",
                    "lifted_date": max(today, row.issued_date),
                    "version": row.version + 1,
                }
            )
    return _apply(conn, t, changes, rng, now, report, ("state", "lifted_date", "version"))


def _apply(
    conn: Connection,
    table,
    changes: list[dict[str, Any]],
    rng: random.Random,
    now: datetime,
    report: EvolutionReport,
    columns: tuple[str, ...],
) -> list[datetime]:
    """Write the changes in a shuffled order (time does not follow ids) with tied, increasing stamps."""
    if not changes:
        return []
    rng.shuffle(changes)
    stamps = _stamps(rng, now, len(changes))
    for change, stamp in zip(changes, stamps, strict=True):
        change["updated_at"] = stamp
        label = f"{table.name}:{change['b_old_state']}->{change['state']}"
        report.transitions[label] = report.transitions.get(label, 0) + 1
        report.changed[table.name].append(change["b_id"])
    statement = (
        update(table)
        .where(
            and_(
                table.c.id == bindparam("b_id"),
                table.c.state == bindparam("b_old_state"),
                table.c.version == bindparam("b_old_version"),
            )
        )
        .values({c: bindparam(c) for c in (*columns, "updated_at")})
    )
    for i in range(0, len(changes), 5000):
        conn.execute(statement, changes[i : i + 5000])
    report.changed[table.name].sort()
    report.tied_rows += _count_ties(stamps)
    return stamps
