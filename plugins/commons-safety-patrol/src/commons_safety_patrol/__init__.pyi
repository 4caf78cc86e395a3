"""The plugin's public names, imported on first use (see ``__init__.py``)."""

import commons_core.plugin

from .model import (
    AvailabilityWindow,
    CheckIn,
    FollowUpStatus,
    Incident,
    IncidentKind,
    MemberKind,
    PatrolMember,
    PatrolRoute,
    PatrolTeam,
    RouteBuilding,
    SensitivePeriod,
    Shift,
    ShiftMember,
    ShiftTemplate,
    Unavailability,
    Weekday,
)
from .reports import (
    PatrolCoverage,
)
from .roster import (
    BlockedBy,
    RosterGap,
    RosterProposal,
    RosterRules,
    plan_roster,
)
from .services import (
    CHECK_IN,
    MANAGE,
    Patrols,
    RosterIncomplete,
    holiday_periods,
)

PLUGIN_NAME: str
plugin: commons_core.plugin.Plugin

__all__ = [
    "CHECK_IN",
    "MANAGE",
    "PLUGIN_NAME",
    "AvailabilityWindow",
    "BlockedBy",
    "CheckIn",
    "FollowUpStatus",
    "Incident",
    "IncidentKind",
    "MemberKind",
    "PatrolCoverage",
    "PatrolMember",
    "PatrolRoute",
    "PatrolTeam",
    "Patrols",
    "RosterGap",
    "RosterIncomplete",
    "RosterProposal",
    "RosterRules",
    "RouteBuilding",
    "SensitivePeriod",
    "Shift",
    "ShiftMember",
    "ShiftTemplate",
    "Unavailability",
    "Weekday",
    "holiday_periods",
    "plan_roster",
    "plugin",
]
