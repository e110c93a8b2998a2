"""Reports to the discipline-inspection commission (纪委监委) and the organisation/personnel department
(组织人事部门): party members and public servants listed as dishonest debtors, as sealed files over SFTP.

``config`` (which partners, their mapping and connection), ``flows`` (the outbound flow per partner),
``tasks`` (what the DAG calls), ``orchestration`` (the DAG). docs/public_servant_report.md explains it.
"""
