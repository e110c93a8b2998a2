"""Airflow DAG: 失信被执行人名单 → 信用信息共享平台 前置库. Logic lives in hub.pipeline; this only wires it."""

from hub.orchestration import build_sync_dag

dag = build_sync_dag("dishonest_list_sync")
