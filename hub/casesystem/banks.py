"""Case-system tables of the bank exchanges (网络查控 and 一案一账号), on the shared ``metadata``.

An enforcement officer's control request (inquire 查询, freeze 冻结, unfreeze 解冻, deduct 扣划) is one row
of ``bank_control_requests``, versioned like every outbound record (a correction bumps ``version``). Each
bank's answers come back as rows of ``bank_control_results``, unique by the bank's own result id, so the
same response loaded twice is stored once. The court's enforcement-money account has one virtual
sub-account per case and bank (``case_virtual_accounts``); the daily statement's lines land in
``account_statement_lines``, matched to their case by that sub-account, or left unmatched for operators.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, Numeric, String, Table, UniqueConstraint

from hub.casesystem.schema import Id, Timestamp, metadata

#: What an officer can ask a bank to do.
CONTROL_ACTIONS = ("INQUIRE", "FREEZE", "UNFREEZE", "DEDUCT")
#: Kinds of result records: an account found (查询结果), a control applied or refused, or nothing found.
RESULT_TYPES = ("ACCOUNT", "CONTROL", "NONE")
RESULT_OUTCOMES = ("SUCCESS", "PARTIAL", "FAILED", "NO_ACCOUNT")
ACCOUNT_STATES = ("NORMAL", "FROZEN", "CLOSED")

bank_control_requests = Table(
    "bank_control_requests",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True, comment="sent to the bank as BDHM"),
    Column("version", Integer, nullable=False, default=1, comment="bumped on every change"),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("party_id", Id, ForeignKey("parties.id"), nullable=False, comment="the debtor"),
    Column("bank_code", String(32), nullable=False, comment="the partner: mappings/<bank_code>.yaml"),
    Column("action", String(16), nullable=False, comment="one of CONTROL_ACTIONS"),
    Column("amount", Numeric(18, 2), comment="freeze limit (冻结限额) or amount to deduct (扣划金额)"),
    Column("period_start", Date, comment="freeze period start"),
    Column("period_end", Date, comment="freeze period end"),
    Column("account_no", String(32), comment="the account to unfreeze or deduct from"),
    Column("officer", String(32), nullable=False, comment="承办人 (CBR)"),
    Column("work_credential", String(32), nullable=False, comment="工作证编号 (GZZBH)"),
    Column("official_credential", String(32), nullable=False, comment="公务证编号 (GWZBH)"),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

bank_control_results = Table(
    "bank_control_results",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("bank_code", String(32), nullable=False),
    Column("partner_result_id", String(64), nullable=False, comment="the bank's own result id"),
    Column("request_id", Id, ForeignKey("bank_control_requests.id"), nullable=False),
    Column("result_type", String(8), nullable=False, comment="one of RESULT_TYPES"),
    Column("outcome", String(12), nullable=False, comment="one of RESULT_OUTCOMES"),
    Column("account_no", String(32), comment="开户账号 KHZH"),
    Column("branch_code", String(16), comment="开户网点 KHWDDM"),
    Column("account_state", String(8), comment="one of ACCOUNT_STATES (ZHZT)"),
    Column("balance", Numeric(18, 2)),
    Column("available_balance", Numeric(18, 2)),
    Column("currency", String(3)),
    Column("control_kind", String(8), comment="FUNDS or ACCOUNT (KZNR)"),
    Column("freeze_limit", Numeric(18, 2), comment="DJXE"),
    Column("amount_controlled", Numeric(18, 2), comment="amount actually frozen or deducted (SKJE)"),
    Column("failure_reason", String(128), comment="why control failed (WNKZYY)"),
    Column("prior_freeze_amount", Numeric(18, 2), comment="frozen before by other authorities"),
    Column("prior_freeze_authority", String(128)),
    Column("response_file", String(128), nullable=False),
    Column("loaded_at", Timestamp, nullable=False),
    UniqueConstraint("bank_code", "partner_result_id", name="uq_bank_result"),
)

case_virtual_accounts = Table(
    "case_virtual_accounts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("bank_code", String(32), nullable=False),
    Column("virtual_account", String(32), nullable=False, comment="一案一账号 sub-account of the case"),
    Column("opened_on", Date, nullable=False),
    UniqueConstraint("bank_code", "virtual_account", name="uq_virtual_account"),
)

account_statement_lines = Table(
    "account_statement_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("bank_code", String(32), nullable=False),
    Column("serial_no", String(64), nullable=False, comment="the bank's transaction serial (流水号)"),
    Column("value_date", Date, nullable=False),
    Column("virtual_account", String(32), nullable=False),
    Column("direction", String(8), nullable=False, comment="CREDIT or DEBIT"),
    Column("amount", Numeric(18, 2), nullable=False),
    Column("counterparty_account", String(32)),
    Column("counterparty_name", String(128)),
    Column("memo", String(128)),
    Column("case_id", Id, ForeignKey("cases.id"), comment="matched by virtual sub-account; null: unmatched"),
    Column("statement_file", String(128), nullable=False),
    Column("loaded_at", Timestamp, nullable=False),
    UniqueConstraint("bank_code", "serial_no", name="uq_statement_line"),
)

Index("ix_bank_control_requests_cursor", bank_control_requests.c.updated_at, bank_control_requests.c.id)
Index("ix_bank_control_results_request", bank_control_results.c.request_id)
Index("ix_statement_lines_unmatched", account_statement_lines.c.bank_code, account_statement_lines.c.case_id)
