"""Airflow DAG: 涉军案件协助 ↔ 军事法院 (SOAP), both directions. Logic lives in hub.military."""

from hub.military.orchestration import build_military_court_dag

dag = build_military_court_dag()
