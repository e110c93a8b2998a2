"""Plays the credit-sharing platform against its 前置库: accepts pushed rows, writes agencies' feedback.

Deterministic per seed: whether a row is refused and which agencies apply which measures depend only on
(seed, record id, version), so tests can predict them. Run one pass with :func:`process_pending` or keep
polling with :func:`serve` (what `make demo` starts in the background).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, select, update

from sandbox.credit_platform.schema import consumption_restriction, create_all, dishonest_list, feedback

log = logging.getLogger(__name__)

#: Agencies of the joint-punishment memorandum (联合惩戒) and the measure each applies.
DISHONEST_MEASURES = (
    ("中国民用航空局宁夏监管局", "限制乘坐飞机"),
    ("中国铁路兰州局集团有限公司", "限制乘坐列车软卧、G字头动车组全部座位"),
    ("宁夏回族自治区发展和改革委员会", "限制参与政府投资项目招标投标"),
    ("中国人民银行宁夏回族自治区分行", "信贷审批从严"),
    ("宁夏回族自治区市场监督管理厅", "限制担任企业法定代表人及高级管理人员"),
    ("宁夏回族自治区住房和城乡建设厅", "限制购买不动产"),
)
RESTRICTION_MEASURES = (
    ("中国民用航空局宁夏监管局", "限制乘坐飞机"),
    ("中国铁路兰州局集团有限公司", "限制乘坐G字头动车组列车全部座位"),
    ("宁夏回族自治区文化和旅游厅", "限制旅游度假"),
)
LIST_TYPES = (
    (dishonest_list, "01", DISHONEST_MEASURES),
    (consumption_restriction, "02", RESTRICTION_MEASURES),
)


@dataclass
class PassReport:
    accepted: int = 0
    refused: int = 0
    feedback_rows: int = 0


def _draw(seed: int, *parts: object) -> int:
    text = "|".join(str(p) for p in (seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def process_pending(
    engine: Engine, *, seed: int = 2019, refuse_one_in: int = 0, now: datetime | None = None
) -> PassReport:
    """Process every unprocessed row once: mark it accepted (or refused) and write feedback rows.

    ``refuse_one_in`` > 0 refuses about one row in that many (reason in CLYJ), to exercise the hub's
    acknowledgement handling; the default accepts everything.
    """
    report = PassReport()
    now = now or datetime.now()
    with engine.begin() as connection:
        for table, list_type, measures in LIST_TYPES:
            pending = connection.execute(
                select(table.c.JLID, table.c.BBH, table.c.ZT).where(table.c.CLZT == "0").order_by(table.c.JLID)
            ).all()
            feedback_rows = []
            for jlid, version, state in pending:
                refused = refuse_one_in > 0 and _draw(seed, "refuse", list_type, jlid, version) % refuse_one_in == 0
                connection.execute(
                    update(table)
                    .where(table.c.JLID == jlid, table.c.BBH == version)
                    .values(CLZT="2" if refused else "1", CLSJ=now, CLYJ="证件信息核验不一致" if refused else None)
                )
                if refused:
                    report.refused += 1
                    continue
                report.accepted += 1
                if state != "1":  # only active listings and orders are acted on
                    continue
                count = _draw(seed, "count", list_type, jlid, version) % (len(measures) + 1)
                for n in range(count):
                    agency, measure = measures[(_draw(seed, "agency", jlid) + n) % len(measures)]
                    feedback_rows.append(
                        {
                            "FKID": f"FK{list_type}-{jlid}-{version}-{n}",
                            "JLID": jlid,
                            "MDLX": list_type,
                            "CJDW": agency,
                            "CJCS": measure,
                            "CJSJ": now - timedelta(minutes=n),
                            "XRSJ": now,
                        }
                    )
            if feedback_rows:
                connection.execute(insert(feedback), feedback_rows)
                report.feedback_rows += len(feedback_rows)
    return report


def serve(engine: Engine, *, seed: int = 2019, interval: float = 0.5, stop: threading.Event | None = None) -> None:
    """Poll the 前置库 until ``stop`` is set (or forever), processing new rows as the platform would."""
    create_all(engine)
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            report = process_pending(engine, seed=seed)
            if report.accepted or report.refused:
                log.info(
                    "credit platform: accepted %d, refused %d, feedback %d",
                    report.accepted,
                    report.refused,
                    report.feedback_rows,
                )
        except Exception:  # keep serving: the hub may be recreating tables
            log.exception("credit platform simulator pass failed")
        stop.wait(interval)
