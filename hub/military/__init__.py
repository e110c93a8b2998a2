"""Military courts (军事法院) over SOAP: assistance requests in cases involving the military, both ways.

Modules: :mod:`.flows` (the flows as data), :mod:`.transport` (the SOAP client from the Airflow
connection and the submitting :class:`~connectors.base.Deliverer`), :mod:`.incoming` (the court's
requests: fetch by feed sequence, check, create idempotently or refuse), :mod:`.status` (status changes
both ways, in order, once; backwards changes and conflicts), :mod:`.views` (open requests for operators),
:mod:`.orchestration` (what the DAG's tasks call, and the DAG). See docs/military_court.md.
"""
