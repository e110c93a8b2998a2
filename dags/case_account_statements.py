"""Airflow DAG: 一案一账号 daily statements from every configured bank, matched to cases. Logic in hub.banks."""

from hub.banks.orchestration import build_statements_dag

dag = build_statements_dag()
