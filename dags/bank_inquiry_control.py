"""Airflow DAG: 网络查控 requests → every configured bank over SFTP, responses back. Logic in hub.banks."""

from hub.banks.orchestration import build_bank_control_dag

dag = build_bank_control_dag()
