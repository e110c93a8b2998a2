"""Airflow DAG: reports of listed party members and public servants → 纪委监委 and 组织人事部门 over SFTP.
Logic in hub.reports."""

from hub.reports.orchestration import build_report_dag

dag = build_report_dag()
