"""Airflow DAG: 限制出境 orders (issue and lift) → 公安 border control (SOAP), acknowledgements back.
Logic lives in hub.public_security."""

from hub.public_security.orchestration import build_public_security_dag

dag = build_public_security_dag("exit_restriction")
