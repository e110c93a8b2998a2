"""Bank exchanges over SFTP: network inquiry and control (网络查控) and one-case-one-account statements.

``config`` (which banks, their mapping and connection), ``flows`` (the outbound flow per bank),
``responses`` (response files in: waiting, overdue escalation, ingestion), ``statements`` (一案一账号),
``orchestration`` (the DAGs). Request files go out through :mod:`hub.sealed_delivery`. docs/banks.md
explains the exchange and how to add a bank.
"""
