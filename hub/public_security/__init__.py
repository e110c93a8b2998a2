"""Public security (公安) over SOAP: debtor locate (查找被执行人下落), and the flows that follow the same
asynchronous pattern (submit a batch, receive a ticket, fetch results by ticket until complete).

Modules: :mod:`.flows` (flows as data), :mod:`.transport` (the SOAP client from the Airflow connection and
the submitting :class:`~connectors.base.Deliverer`), :mod:`.results` (fetch by ticket, check, load,
mark overdue), :mod:`.orchestration` (the DAG factory and what its tasks call). See docs/public_security.md.
"""
