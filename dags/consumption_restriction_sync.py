"""限制高消费 → 自治区信用信息共享平台 前置库. The logic lives in hub.pipeline; this file only wires it."""

from hub.orchestration import build_sync_dag

dag = build_sync_dag("consumption_restriction_sync")
