"""One error hierarchy for the hub.

Every message names what it is about (record, file, field, partner) and, where there is one, what to do.
"""

from __future__ import annotations


class HubError(Exception):
    """Base of every error the hub raises on purpose."""


class ConfigurationError(HubError):
    """A setting, connection or mapping is missing or wrong; the message says which and how to fix it."""


class MappingError(HubError):
    """A record cannot be mapped to a partner's dialect (unknown code, bad date, missing field)."""

    def __init__(self, message: str, *, record_key: str | None = None, field: str | None = None):
        self.record_key = record_key
        self.field = field
        prefix = ""
        if record_key is not None:
            prefix += f"record {record_key}: "
        if field is not None:
            prefix += f"field {field}: "
        super().__init__(prefix + message)


class QualityGateError(HubError):
    """A batch failed its quality gate (too many rows failed); the rows are quarantined, not lost."""


class PolicyViolation(HubError):
    """A flow would send a partner a record type or field its policy (``policies/<partner>.yaml``) does not
    allow: nothing of the run is delivered; the message names partner, flow, record type and field(s)."""


class DeliveryError(HubError):
    """A partner could not take a chunk; nothing of the chunk is committed and the watermark has not moved."""


class PartnerFault(DeliveryError):
    """A partner answered with a business fault (a SOAP Fault): never retried, the message names the
    partner, the operation and the request ids concerned."""


class PartnerUnavailable(DeliveryError):
    """A partner could not be reached or answered 5xx / timed out, after every retry."""


class PartnerResponseRefused(DeliveryError):
    """A partner's response was refused unparsed or unread: malformed XML, a DTD or entity, the wrong
    namespace, or content that breaks the contract."""


class LedgerError(HubError):
    """The ledger cannot be written or does not verify."""


class InvalidIdentifier(HubError, ValueError):
    """An identifier (resident ID, credit code, case number ...) is not valid.

    ``reason`` is a short stable code (``length``, ``character``, ``checksum``, ``date``, ``region``,
    ``type``, ``empty``); the message is the precise human explanation.
    """

    reason = "invalid"

    def __init__(self, message: str, *, reason: str | None = None, value: object = None):
        if reason is not None:
            self.reason = reason
        self.value = value
        super().__init__(message)
