"""Airflow DAG: 查控车辆/车辆布控 → 公安 (SOAP), vehicles and interceptions back (urgent alerts).
Logic lives in hub.public_security."""

from hub.public_security.orchestration import build_public_security_dag

dag = build_public_security_dag("vehicle_control")
