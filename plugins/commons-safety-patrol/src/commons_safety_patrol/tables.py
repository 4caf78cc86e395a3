"""The plugin's tables, all community-scoped and prefixed ``safety_patrol_``.

Every link carries ``community_id`` (Citus co-location). A check-in refers to
its shift assignment by ``(community_id, shift_id, member_id)``, so the
database itself refuses a check-in by someone who was not on the shift.
Every entity is ``shared``: rosters are posted for the whole community, so
zone-scoped grid workers see them too (permissions still decide who may).
"""

from __future__ import annotations

from sqlalchemy import (
    Index,
    UniqueConstraint,
)

from commons_core.storage import (
    Entity,
    Erasure,
    community_fk,
    record_table,
)

from .model import (
    AvailabilityWindow,
    CheckIn,
    Incident,
    PatrolMember,
    PatrolRoute,
    PatrolTeam,
    RouteBuilding,
    SensitivePeriod,
    Shift,
    ShiftMember,
    ShiftTemplate,
    Unavailability,
)

__all__ = [
    "ENTITIES",
    "availability_window",
    "check_in",
    "incident",
    "member",
    "route",
    "route_building",
    "sensitive_period",
    "shift",
    "shift_member",
    "shift_template",
    "team",
    "unavailability",
]

TEAM = "safety_patrol_team"
MEMBER = "safety_patrol_member"
ROUTE = "safety_patrol_route"
SHIFT = "safety_patrol_shift"
SHIFT_MEMBER = "safety_patrol_shift_member"

team = record_table(
    TEAM,
    PatrolTeam,
    UniqueConstraint("community_id", "name"),
)

member = record_table(
    MEMBER,
    PatrolMember,
    UniqueConstraint("community_id", "team_id", "staff_id"),
    UniqueConstraint("community_id", "team_id", "party_member_id"),
    UniqueConstraint("community_id", "team_id", "resident_id"),
)

route = record_table(
    ROUTE,
    PatrolRoute,
    UniqueConstraint("community_id", "name"),
)

route_building = record_table(
    "safety_patrol_route_building",
    RouteBuilding,
    UniqueConstraint("community_id", "route_id", "building_id"),
)

shift_template = record_table(
    "safety_patrol_shift_template",
    ShiftTemplate,
    UniqueConstraint("community_id", "name"),
)

sensitive_period = record_table(
    "safety_patrol_sensitive_period",
    SensitivePeriod,
    Index(None, "community_id", "starts_on"),
)

availability_window = record_table(
    "safety_patrol_availability_window",
    AvailabilityWindow,
    Index(None, "community_id", "member_id"),
)

unavailability = record_table(
    "safety_patrol_unavailability",
    Unavailability,
    Index(None, "community_id", "member_id"),
)

shift = record_table(
    SHIFT,
    Shift,
    Index(None, "community_id", "night"),
    Index(None, "community_id", "starts_at"),
)

shift_member = record_table(
    SHIFT_MEMBER,
    ShiftMember,
    UniqueConstraint("community_id", "shift_id", "member_id"),
    Index(None, "community_id", "member_id"),
)

check_in = record_table(
    "safety_patrol_check_in",
    CheckIn,
    community_fk(["shift_id", "member_id"], SHIFT_MEMBER, ["shift_id", "member_id"]),
    Index(None, "community_id", "shift_id"),
    version=False,
)

incident = record_table(
    "safety_patrol_incident",
    Incident,
    Index(None, "community_id", "occurred_at"),
)

MEMBER_ERASURE = Erasure.anonymise("name", links=("resident_id", "party_member_id"))
"""A member's name is a copy: it becomes 已匿名 with the resident's, whether the member is
the resident (a volunteer) or a party member who is the resident. The roster and check-ins
stay (the shifts were walked); staff members' names stay with their staff record."""

ENTITIES = (
    Entity(PatrolTeam, team, shared=True, importable=True),
    Entity(PatrolMember, member, shared=True, erasure=MEMBER_ERASURE),
    Entity(PatrolRoute, route, shared=True),
    Entity(RouteBuilding, route_building, shared=True),
    Entity(ShiftTemplate, shift_template, shared=True),
    Entity(SensitivePeriod, sensitive_period, shared=True),
    Entity(AvailabilityWindow, availability_window, shared=True),
    Entity(Unavailability, unavailability, shared=True),
    Entity(Shift, shift, shared=True),
    Entity(ShiftMember, shift_member, shared=True),
    Entity(CheckIn, check_in, shared=True, append_only=True),
    Entity(Incident, incident, shared=True),
)
"""The plugin's entities; their names (the table names) prefix their permissions."""
