"""Tables of the case system (执行办案系统), the court side of every flow.

This is the canonical model: every partner mapping starts from these column names. The same tables run
on SQLite (demo) and MariaDB (tests, production). ``updated_at`` has microseconds and, with ``id``, is
the incremental cursor of every outbound flow: rows sharing a timestamp are told apart by ``id``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import mysql

metadata = MetaData()

# DATETIME(6) on MySQL/MariaDB so that the cursor keeps microseconds; SQLite stores ISO text anyway.
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
Id = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY only

#: Case status. CLOSED_NO_ASSETS is 终结本次执行程序 (终本): re-checked every three months.
CASE_STATUSES = ("OPEN", "CLOSED_NO_ASSETS", "CONCLUDED", "RESUMED")

#: The six triggers of the dishonest list (法释〔2017〕7号 art. 1), code → meaning.
DISHONEST_TRIGGERS = {
    1: "有履行能力而拒不履行生效法律文书确定义务",
    2: "以伪造证据、暴力、威胁等方法妨碍、抗拒执行",
    3: "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行",
    4: "违反财产报告制度",
    5: "违反限制消费令",
    6: "无正当理由拒不履行执行和解协议",
}

#: Dishonest-list entry states. PENDING is the grace period before publication (宽限期).
DISHONEST_STATES = ("PENDING", "PUBLISHED", "SHIELDED", "REVOKED", "EXPIRED")

#: Consumption restriction (限制高消费) order states.
RESTRICTION_STATES = ("ISSUED", "LIFTED")

cases = Table(
    "cases",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_no", String(64), nullable=False, comment="案号, canonical full-width form"),
    Column("court_code", String(16), nullable=False, comment="court code in the case number, e.g. 宁0104"),
    Column("court_name", String(64), nullable=False),
    Column("type_code", String(8), nullable=False, comment="执, 执恢, 执保, 执异, 执复, 执监, 执协, 执他"),
    Column("filing_date", Date, nullable=False, comment="立案日期"),
    Column("status", String(24), nullable=False, comment="one of CASE_STATUSES"),
    Column("basis_doc_no", String(64), comment="执行依据文号"),
    Column("basis_issuer", String(64), comment="做出执行依据单位"),
    Column("obligation", Text, comment="生效法律文书确定的义务"),
    Column("amount", Numeric(16, 2), comment="执行标的金额 (yuan)"),
    Column("officer", String(32), comment="承办人"),
    Column("military_related", Boolean, nullable=False, default=False, comment="涉军案件"),
    Column("updated_at", Timestamp, nullable=False),
)

parties = Table(
    "parties",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("role", String(24), nullable=False, comment="DEBTOR or LEGAL_REPRESENTATIVE (of an org debtor)"),
    Column("kind", String(8), nullable=False, comment="PERSON or ORG"),
    Column("name", String(128)),
    Column("id_type", String(8), comment="RIC resident ID, USCC credit code, ORGCODE, OTHER"),
    Column("id_number", String(32)),
    Column("birth_date", Date, comment="persons only"),
    Column("sex", String(1), comment="M or F, persons only"),
    Column("legal_representative", String(64), comment="organisations only: 法定代表人"),
    Column("represents_party_id", Id, comment="for LEGAL_REPRESENTATIVE: the organisation party"),
    Column("is_party_member", Boolean, nullable=False, default=False),
    Column("is_public_servant", Boolean, nullable=False, default=False),
    Column("is_military_related", Boolean, nullable=False, default=False),
    Column("employer", String(128)),
    Column("updated_at", Timestamp, nullable=False),
)

dishonest_entries = Table(
    "dishonest_entries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("party_id", Id, ForeignKey("parties.id"), nullable=False),
    Column("trigger_code", Integer, nullable=False, comment="1..6, see DISHONEST_TRIGGERS"),
    Column("conduct", Text, comment="失信被执行人具体情形"),
    Column("performance_status", String(16), comment="全部未履行 / 部分履行"),
    Column("decision_date", Date, nullable=False, comment="纳入决定日期"),
    Column("publish_date", Date, comment="发布日期; null while PENDING"),
    Column("grace_until", Date, comment="宽限期届满日"),
    Column("expires_on", Date, comment="期限届满日 (triggers 2-6)"),
    Column("state", String(16), nullable=False, comment="one of DISHONEST_STATES"),
    Column("state_reason", String(128), comment="why revoked/shielded/expired"),
    Column("version", Integer, nullable=False, default=1, comment="bumped on every change"),
    Column("updated_at", Timestamp, nullable=False),
)

consumption_restrictions = Table(
    "consumption_restrictions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("party_id", Id, ForeignKey("parties.id"), nullable=False),
    Column("order_no", String(64), nullable=False, comment="限制消费令文号"),
    Column("issued_date", Date, nullable=False),
    Column("lifted_date", Date),
    Column("state", String(8), nullable=False, comment="ISSUED or LIFTED"),
    Column("version", Integer, nullable=False, default=1),
    Column("updated_at", Timestamp, nullable=False),
)

joint_punishment_feedback = Table(
    "joint_punishment_feedback",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("feedback_id", String(64), nullable=False, unique=True, comment="the platform's own row id"),
    Column("list_type", String(16), nullable=False, comment="DISHONEST or RESTRICTION"),
    Column("entry_id", Id, nullable=False, comment="dishonest_entries.id or consumption_restrictions.id"),
    Column("agency", String(128), nullable=False, comment="the agency that applied the measure"),
    Column("measure", String(256), nullable=False, comment="the measure applied (惩戒措施)"),
    Column("applied_at", Timestamp, nullable=False),
    Column("loaded_at", Timestamp, nullable=False),
)

for _table in (cases, parties, dishonest_entries, consumption_restrictions):
    Index(f"ix_{_table.name}_cursor", _table.c.updated_at, _table.c.id)
Index("ix_cases_case_no", cases.c.case_no)
Index("ix_parties_case", parties.c.case_id)
