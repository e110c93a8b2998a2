"""The sandbox military court (军事法院) SOAP service: a real HTTP(S) server speaking the hub's contract.

:func:`start` runs it in a background thread and returns a :class:`RunningCourt` with its URL; answers
and the court's own waiting requests are deterministic per seed. See docs/military_court.md.
"""

from sandbox.military_court.service import MilitaryCourtService, RunningCourt, start

__all__ = ["MilitaryCourtService", "RunningCourt", "start"]
