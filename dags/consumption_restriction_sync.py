"""Airflow DAG: 限制高消费 → 信用信息共享平台 前置库. Logic lives in hub.pipeline; this only wires it."""

from hub.orchestration import build_sync_dag

dag = build_sync_dag("consumption_restriction_sync")
