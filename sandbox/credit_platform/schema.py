"""The 前置库 (front-end exchange database) tables of the credit-sharing platform.

This is the contract the hub's ``mappings/credit_platform.yaml`` targets; docs/credit_platform.md lists
every column. Column names follow the platforms' pinyin-initial habit (XM 姓名, ZJHM 证件号码 ...).
Rows the hub writes start with CLZT='0' (unprocessed); the platform sets '1' (accepted) or '2'
(rejected, reason in CLYJ). CHECK constraints are the platform's own validation: a row that breaks
one is refused by the database, and the hub records it as rejected with the database's reason.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import mysql

metadata = MetaData()
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

#: Longest obligation text (YW) the platform accepts.
MAX_OBLIGATION_CHARS = 1000


def _processing_columns() -> list[Column]:
    return [
        Column("TSSJ", Timestamp, nullable=False, comment="推送时间: when the hub wrote this version"),
        Column("CLZT", String(1), nullable=False, server_default="0", comment="处理状态 0 待处理 1 已接收 2 拒收"),
        Column("CLSJ", Timestamp, comment="处理时间"),
        Column("CLYJ", String(256), comment="处理意见 (why rejected)"),
    ]


dishonest_list = Table(
    "T_SXBZXR",
    metadata,
    Column("JLID", String(32), primary_key=True, comment="记录ID: the court's entry id"),
    Column("BBH", Integer, nullable=False, comment="版本号: only a higher version replaces a row"),
    Column("ZT", String(1), nullable=False, comment="状态 1 发布 2 屏蔽 3 撤销 4 到期"),
    Column("XM", String(128), nullable=False, comment="被执行人姓名/名称"),
    Column("ZJLX", String(2), nullable=False, comment="证件类型 01 身份证 11 统一社会信用代码 20 组织机构代码"),
    Column("ZJHM", String(32), nullable=False, comment="证件号码 (full; for matching by agencies)"),
    Column("ZJHM_GS", String(32), nullable=False, comment="证件号码(公示): masked for publication"),
    Column("XB", String(1), comment="性别 1 男 2 女 (persons)"),
    Column("NL", Integer, comment="年龄 on the decision date (persons)"),
    Column("FDDBR", String(64), comment="法定代表人 (organisations)"),
    Column("ZXFY", String(64), nullable=False, comment="执行法院"),
    Column("FYDM", String(16), nullable=False, comment="法院代码"),
    Column("SF", String(16), nullable=False, comment="省份"),
    Column("AH", String(64), nullable=False, comment="案号"),
    Column("LASJ", String(8), nullable=False, comment="立案时间 YYYYMMDD"),
    Column("ZXYJWH", String(64), comment="执行依据文号"),
    Column("ZCZXYJDW", String(64), comment="做出执行依据单位"),
    Column("YW", Text, comment="生效法律文书确定的义务"),
    Column("LXQK", String(16), comment="被执行人的履行情况"),
    Column("SXQX", String(256), nullable=False, comment="失信被执行人行为具体情形"),
    Column("FBSJ", String(8), comment="发布时间 YYYYMMDD"),
    Column("ZTYY", String(128), comment="状态原因 (撤销/屏蔽/到期)"),
    *_processing_columns(),
    CheckConstraint("ZT IN ('1','2','3','4')", name="ck_sxbzxr_zt"),
    # Characters, not bytes: CHAR_LENGTH on MySQL/MariaDB, LENGTH on SQLite.
    CheckConstraint(f"YW IS NULL OR CHAR_LENGTH(YW) <= {MAX_OBLIGATION_CHARS}", name="ck_sxbzxr_yw_length").ddl_if(
        dialect=("mysql", "mariadb")
    ),
    CheckConstraint(f"YW IS NULL OR LENGTH(YW) <= {MAX_OBLIGATION_CHARS}", name="ck_sxbzxr_yw_length").ddl_if(
        dialect="sqlite"
    ),
)

consumption_restriction = Table(
    "T_XZGXF",
    metadata,
    Column("JLID", String(32), primary_key=True, comment="记录ID: the court's order id"),
    Column("BBH", Integer, nullable=False, comment="版本号"),
    Column("ZT", String(1), nullable=False, comment="状态 1 限制 2 解除"),
    Column("XM", String(128), nullable=False, comment="被限制人姓名/名称"),
    Column("ZJLX", String(2), nullable=False, comment="证件类型"),
    Column("ZJHM", String(32), nullable=False, comment="证件号码"),
    Column("AH", String(64), nullable=False, comment="案号"),
    Column("FYDM", String(16), nullable=False, comment="法院代码"),
    Column("ZXFY", String(64), nullable=False, comment="执行法院"),
    Column("XLWH", String(64), nullable=False, comment="限制消费令文号"),
    Column("XDRQ", String(8), nullable=False, comment="下达日期 YYYYMMDD"),
    Column("JCRQ", String(8), comment="解除日期 YYYYMMDD"),
    *_processing_columns(),
    CheckConstraint("ZT IN ('1','2')", name="ck_xzgxf_zt"),
)

feedback = Table(
    "T_LHCJFK",
    metadata,
    Column("FKID", String(64), primary_key=True, comment="反馈ID"),
    Column("JLID", String(32), nullable=False, comment="记录ID of the list row the measure applies to"),
    Column("MDLX", String(2), nullable=False, comment="名单类型 01 失信 02 限制消费"),
    Column("CJDW", String(128), nullable=False, comment="惩戒单位"),
    Column("CJCS", String(256), nullable=False, comment="惩戒措施"),
    Column("CJSJ", Timestamp, nullable=False, comment="惩戒时间"),
    Column("XRSJ", Timestamp, nullable=False, comment="写入时间: the hub's cursor"),
)

Index("ix_sxbzxr_clzt", dishonest_list.c.CLZT)
Index("ix_xzgxf_clzt", consumption_restriction.c.CLZT)
Index("ix_lhcjfk_cursor", feedback.c.XRSJ, feedback.c.FKID)


def create_all(engine) -> None:
    """Create the 前置库 tables (idempotent)."""
    metadata.create_all(engine)
