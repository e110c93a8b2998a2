"""Public security (公安) over SOAP: debtor locate (查找被执行人下落), vehicle search and control
(查控车辆/车辆布控) and exit restriction (限制出境), all on one asynchronous pattern (submit a batch,
receive a ticket, fetch results by ticket until complete).

Modules: :mod:`.flows` (the flows as data: one ``AsyncExchange`` each), :mod:`.transport` (the SOAP client
from the Airflow connection and the submitting :class:`~connectors.base.Deliverer`), :mod:`.answers`
(a fetched answer checked as hostile input), :mod:`.results` (fetch by ticket, load, mark overdue),
:mod:`.alerting` (the urgent interception alert), :mod:`.orchestration` (the DAG factory and what its
tasks call). See docs/public_security.md.
"""
