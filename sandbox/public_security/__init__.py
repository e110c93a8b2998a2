"""The sandbox public-security (公安) SOAP service: a real HTTP(S) server speaking the hub's contract.

:func:`start` runs it in a background thread and returns a :class:`RunningService` with its URL;
``tls`` makes a throwaway CA and certificates for HTTPS tests. Answers are deterministic per seed and
request, from one desk per service (:mod:`.locate`, :mod:`.vehicles`, :mod:`.exits`).
"""

from sandbox.public_security.service import PublicSecurityService, RunningService, start

__all__ = ["PublicSecurityService", "RunningService", "start"]
