"""The courts' enforcement case system (执行办案系统) as the hub sees it: the canonical model."""

from hub.casesystem import banks as _banks  # noqa: F401  (bank tables on the shared metadata)
from hub.casesystem.military import (
    ASSISTANCE_KINDS,
    military_incoming_requests,
    military_outgoing_requests,
    military_status_history,
)
from hub.casesystem.public_security import (
    LOCATE_EVENT_KINDS,
    LOCATE_STATUSES,
    locate_events,
    locate_requests,
    locate_results,
)
from hub.casesystem.schema import (
    CASE_STATUSES,
    DISHONEST_STATES,
    DISHONEST_TRIGGERS,
    RESTRICTION_STATES,
    cases,
    consumption_restrictions,
    dishonest_entries,
    joint_punishment_feedback,
    metadata,
    parties,
)

__all__ = [
    "ASSISTANCE_KINDS",
    "CASE_STATUSES",
    "DISHONEST_STATES",
    "DISHONEST_TRIGGERS",
    "LOCATE_EVENT_KINDS",
    "LOCATE_STATUSES",
    "RESTRICTION_STATES",
    "cases",
    "consumption_restrictions",
    "dishonest_entries",
    "joint_punishment_feedback",
    "locate_events",
    "locate_requests",
    "locate_results",
    "metadata",
    "military_incoming_requests",
    "military_outgoing_requests",
    "military_status_history",
    "parties",
]
