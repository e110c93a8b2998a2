"""Airflow DAG: 查找被执行人下落 → 公安 (SOAP), results back. Logic lives in hub.public_security."""

from hub.public_security.orchestration import build_public_security_dag

dag = build_public_security_dag("debtor_locate")
