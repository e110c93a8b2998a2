"""The courts' enforcement case system (执行办案系统) as the hub sees it: the canonical model."""

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
    "CASE_STATUSES",
    "DISHONEST_STATES",
    "DISHONEST_TRIGGERS",
    "RESTRICTION_STATES",
    "cases",
    "consumption_restrictions",
    "dishonest_entries",
    "joint_punishment_feedback",
    "metadata",
    "parties",
]
