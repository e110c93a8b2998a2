"""Bank exchanges over SFTP: network inquiry and control (网络查控) and one-case-one-account statements.

``config`` (which banks, their mapping and connection), ``flows`` (the outbound flow per bank),
``exchange`` (request files out, response files in), ``statements`` (一案一账号), ``orchestration``
(the DAGs). docs/banks.md explains the exchange and how to add a bank.
"""
