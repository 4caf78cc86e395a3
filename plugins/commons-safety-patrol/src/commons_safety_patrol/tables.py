"""The plugin's tables, all community-scoped and prefixed ``safety_patrol_``.

Every link carries ``community_id`` (Citus co-location). A check-in refers to
its shift assignment by ``(community_id, shift_id, member_id)``, so the
database itself refuses a check-in by someone who was not on the shift.
Every entity is ``shared``: rosters are posted for the whole community, so
zone-scoped grid workers see them too (permissions still decide who may).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
)

from commons_core.storage import (
    AwareDateTime,
    Entity,
    EnumSet,
    EnumValue,
    StringTuple,
    community_fk,
    community_table,
)

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

NAME = String(100)
ZONE = String(64)
TEAM = "safety_patrol_team"
MEMBER = "safety_patrol_member"
ROUTE = "safety_patrol_route"
SHIFT = "safety_patrol_shift"
SHIFT_MEMBER = "safety_patrol_shift_member"

team = community_table(
    TEAM,
    Column("name", NAME, nullable=False),
    Column("founded_on", Date),
    Column("note", Text),
    UniqueConstraint("community_id", "name"),
)

member = community_table(
    MEMBER,
    Column("team_id", Uuid, nullable=False),
    Column("kind", EnumValue(MemberKind), nullable=False),
    Column("name", NAME, nullable=False),
    Column("staff_id", Uuid),
    Column("party_member_id", Uuid),
    Column("resident_id", Uuid),
    Column("joined_on", Date),
    Column("active", Boolean, nullable=False),
    community_fk("team_id", TEAM),
    community_fk("staff_id", "staff"),
    community_fk("party_member_id", "party_member"),
    community_fk("resident_id", "resident"),
    UniqueConstraint("community_id", "team_id", "staff_id"),
    UniqueConstraint("community_id", "team_id", "party_member_id"),
    UniqueConstraint("community_id", "team_id", "resident_id"),
)

route = community_table(
    ROUTE,
    Column("name", NAME, nullable=False),
    Column("team_id", Uuid),
    Column("lanes", StringTuple, nullable=False),
    Column("members_per_shift", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    community_fk("team_id", TEAM),
    UniqueConstraint("community_id", "name"),
)

route_building = community_table(
    "safety_patrol_route_building",
    Column("route_id", Uuid, nullable=False),
    Column("building_id", Uuid, nullable=False),
    Column("position", Integer, nullable=False),
    community_fk("route_id", ROUTE),
    community_fk("building_id", "building"),
    UniqueConstraint("community_id", "route_id", "building_id"),
)

shift_template = community_table(
    "safety_patrol_shift_template",
    Column("name", NAME, nullable=False),
    Column("starts", Time, nullable=False),
    Column("ends", Time, nullable=False),
    Column("zone", ZONE, nullable=False),
    Column("heightened_only", Boolean, nullable=False),
    UniqueConstraint("community_id", "name"),
)

sensitive_period = community_table(
    "safety_patrol_sensitive_period",
    Column("name", NAME, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("extra_members", Integer, nullable=False),
    Column("extra_shifts", Boolean, nullable=False),
    Column("note", Text),
    Index(None, "community_id", "starts_on"),
)

availability_window = community_table(
    "safety_patrol_availability_window",
    Column("member_id", Uuid, nullable=False),
    Column("weekdays", EnumSet(Weekday, 20), nullable=False),
    Column("starts", Time, nullable=False),
    Column("ends", Time, nullable=False),
    Column("zone", ZONE, nullable=False),
    community_fk("member_id", MEMBER),
    Index(None, "community_id", "member_id"),
)

unavailability = community_table(
    "safety_patrol_unavailability",
    Column("member_id", Uuid, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("reason", Text),
    community_fk("member_id", MEMBER),
    Index(None, "community_id", "member_id"),
)

shift = community_table(
    SHIFT,
    Column("route_id", Uuid, nullable=False),
    Column("night", Date, nullable=False),
    Column("starts_at", AwareDateTime, nullable=False),
    Column("ends_at", AwareDateTime, nullable=False),
    Column("template_id", Uuid),
    Column("period_id", Uuid),
    Column("heightened", Boolean, nullable=False),
    Column("note", Text),
    community_fk("route_id", ROUTE),
    community_fk("template_id", "safety_patrol_shift_template"),
    community_fk("period_id", "safety_patrol_sensitive_period"),
    Index(None, "community_id", "night"),
    Index(None, "community_id", "starts_at"),
)

shift_member = community_table(
    SHIFT_MEMBER,
    Column("shift_id", Uuid, nullable=False),
    Column("member_id", Uuid, nullable=False),
    community_fk("shift_id", SHIFT),
    community_fk("member_id", MEMBER),
    UniqueConstraint("community_id", "shift_id", "member_id"),
    Index(None, "community_id", "member_id"),
)

check_in = community_table(
    "safety_patrol_check_in",
    Column("shift_id", Uuid, nullable=False),
    Column("member_id", Uuid, nullable=False),
    Column("checked_in_at", AwareDateTime, nullable=False),
    Column("building_id", Uuid),
    Column("note", Text),
    community_fk(["shift_id", "member_id"], SHIFT_MEMBER, ["shift_id", "member_id"]),
    community_fk("building_id", "building"),
    Index(None, "community_id", "shift_id"),
    version=False,
)

incident = community_table(
    "safety_patrol_incident",
    Column("kind", EnumValue(IncidentKind), nullable=False),
    Column("description", Text, nullable=False),
    Column("occurred_at", AwareDateTime, nullable=False),
    Column("route_id", Uuid),
    Column("building_id", Uuid),
    Column("shift_id", Uuid),
    Column("reported_by_id", Uuid),
    Column("status", EnumValue(FollowUpStatus), nullable=False),
    Column("follow_up", Text),
    Column("closed_on", Date),
    community_fk("route_id", ROUTE),
    community_fk("building_id", "building"),
    community_fk("shift_id", SHIFT),
    community_fk("reported_by_id", MEMBER),
    Index(None, "community_id", "occurred_at"),
)

ENTITIES = (
    Entity(PatrolTeam, team, shared=True),
    Entity(PatrolMember, member, shared=True),
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
