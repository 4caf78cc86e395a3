"""Roster-based safety patrols (治安巡逻, 红袖标): a plugin for commons_core.

Patrol teams of staff, party members and volunteer residents; routes over
buildings and lanes; shift patterns, availability and named sensitive
periods (春节, 国庆节 …) from which rosters are generated under explicit rules
(see :mod:`commons_safety_patrol.roster`); check-ins, incidents found and
their follow-up; and the ``patrol-coverage`` report.
"""

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
from .reports import PatrolCoverage
from .roster import BlockedBy, RosterGap, RosterProposal, RosterRules, plan_roster
from .services import CHECK_IN, MANAGE, Patrols, RosterIncomplete, holiday_periods

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
]

PLUGIN_NAME = "safety_patrol"
"""The entry-point name, Alembic branch label and table prefix."""
