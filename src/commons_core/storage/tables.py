"""The core tables. Column names equal the model's field names, so rows map 1:1 to objects."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from commons_core.model import (
    Building,
    Committee,
    CommitteeKind,
    Community,
    Compound,
    EmploymentStatus,
    Ethnicity,
    Gender,
    GridZone,
    Household,
    HouseholdStatus,
    HouseholdType,
    KeyGroupCategory,
    KeyGroupFlag,
    LifeEvent,
    LifeEventKind,
    OpeningHours,
    PartnerUnit,
    PartnerUnitKind,
    PartyBranch,
    PartyMember,
    RegistrationStatus,
    RelationToHead,
    Resident,
    ResidentsGroup,
    ResidentStatus,
    Seat,
    ServicePoint,
    ServicePointKind,
    Staff,
    StreetOffice,
)
from commons_core.storage.schema import (
    AttrsList,
    Entity,
    EnumSet,
    EnumValue,
    StringTuple,
    community_fk,
    community_table,
    metadata,
    reference_table,
)

__all__ = [
    "audit_entry",
    "audit_head",
    "building",
    "committee",
    "community",
    "compound",
    "core_entities",
    "core_tables",
    "grid_zone",
    "household",
    "key_group_flag",
    "life_event",
    "login_throttle",
    "partner_unit",
    "party_branch",
    "party_member",
    "resident",
    "residents_group",
    "seat",
    "service_point",
    "staff",
    "street_office",
    "user_account",
    "user_session",
]

NAME = String(100)
SHORT = String(50)
ADDRESS = String(300)
PHONE = String(20)

street_office = reference_table(
    "street_office",
    Column("id", Uuid, primary_key=True),
    Column("name", NAME, nullable=False),
    Column("district", NAME),
    Column("city", NAME),
    Column("version", Integer, nullable=False, default=0),
)

community = reference_table(
    "community",
    Column("id", Uuid, primary_key=True),
    Column("name", NAME, nullable=False),
    Column("street_office_id", Uuid),
    Column("area_km2", Numeric(10, 3)),
    Column("founded_on", Date),
    Column("office_area_m2", Numeric(10, 2)),
    Column("activity_area_m2", Numeric(10, 2)),
    Column("honours", StringTuple, nullable=False),
    Column("version", Integer, nullable=False, default=0),
    ForeignKeyConstraint(["street_office_id"], ["street_office.id"]),
    UniqueConstraint("street_office_id", "name"),
)

user_account = reference_table(
    "user_account",
    Column("id", Uuid, primary_key=True),
    Column("username", SHORT, nullable=False, unique=True),
    Column("display_name", NAME),
    Column("password_hash", String(200)),
    Column("roles", StringTuple, nullable=False),
    Column("street_office_id", Uuid),
    Column("community_id", Uuid),
    Column("grid_zone_id", Uuid),
    Column("household_id", Uuid),
    Column("active", Boolean, nullable=False, default=True),
    Column("version", Integer, nullable=False, default=0),
    ForeignKeyConstraint(["street_office_id"], ["street_office.id"]),
    ForeignKeyConstraint(["community_id"], ["community.id"]),
)

residents_group = community_table(
    "residents_group",
    Column("number", Integer, nullable=False),
    Column("name", NAME),
    Column("leader_resident_id", Uuid),
    UniqueConstraint("community_id", "number"),
)

grid_zone = community_table(
    "grid_zone",
    Column("number", Integer, nullable=False),
    Column("name", NAME),
    Column("owner_staff_id", Uuid),
    UniqueConstraint("community_id", "number"),
)

compound = community_table(
    "compound",
    Column("name", NAME, nullable=False),
    Column("address", ADDRESS),
    Column("gated", Boolean, nullable=False, default=False),
)

building = community_table(
    "building",
    Column("name", NAME, nullable=False),
    Column("compound_id", Uuid),
    Column("grid_zone_id", Uuid),
    Column("units", Integer),
    Column("gated", Boolean, nullable=False, default=False),
    community_fk("compound_id", "compound"),
    community_fk("grid_zone_id", "grid_zone"),
)

household = community_table(
    "household",
    Column("household_no", SHORT, nullable=False),
    Column("household_type", EnumValue(HouseholdType), nullable=False),
    Column("residents_group_id", Uuid),
    Column("grid_zone_id", Uuid),
    Column("building_id", Uuid),
    Column("unit", String(20)),
    Column("room", String(20)),
    Column("address", ADDRESS),
    Column("statuses", EnumSet(HouseholdStatus), nullable=False),
    community_fk("residents_group_id", "residents_group"),
    community_fk("grid_zone_id", "grid_zone"),
    community_fk("building_id", "building"),
    UniqueConstraint("community_id", "household_no"),
    Index(None, "community_id", "grid_zone_id"),
)

resident = community_table(
    "resident",
    Column("household_id", Uuid),
    Column("relation_to_head", EnumValue(RelationToHead), nullable=False),
    Column("name", NAME, nullable=False),
    Column("gender", EnumValue(Gender), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("ethnicity", EnumValue(Ethnicity), nullable=False),
    Column("id_number", String(18)),
    Column("phone", PHONE),
    Column("registration_status", EnumValue(RegistrationStatus), nullable=False),
    Column("employment_status", EnumValue(EmploymentStatus)),
    Column("registered_address", ADDRESS),
    Column("status", EnumValue(ResidentStatus), nullable=False),
    Column("moved_in_on", Date),
    Column("left_on", Date),
    community_fk("household_id", "household"),
    UniqueConstraint("community_id", "id_number"),
    Index(None, "community_id", "household_id"),
    Index(None, "community_id", "birth_date"),
)

staff = community_table(
    "staff",
    Column("name", NAME, nullable=False),
    Column("position", NAME, nullable=False),
    Column("resident_id", Uuid),
    Column("grid_zone_id", Uuid),
    Column("phone", PHONE),
    Column("hired_on", Date),
    Column("left_on", Date),
    community_fk("resident_id", "resident"),
    community_fk("grid_zone_id", "grid_zone"),
)

key_group_flag = community_table(
    "key_group_flag",
    Column("resident_id", Uuid, nullable=False),
    Column("category", EnumValue(KeyGroupCategory), nullable=False),
    Column("since", Date),
    Column("note", Text),
    community_fk("resident_id", "resident"),
    Index(None, "community_id", "resident_id"),
)

party_branch = community_table(
    "party_branch",
    Column("name", NAME, nullable=False),
    Column("activity_day", NAME),
    Column("founded_on", Date),
)

party_member = community_table(
    "party_member",
    Column("branch_id", Uuid, nullable=False),
    Column("name", NAME, nullable=False),
    Column("resident_id", Uuid),
    Column("joined_on", Date),
    Column("floating", Boolean, nullable=False, default=False),
    Column("star_rating", Integer),
    community_fk("branch_id", "party_branch"),
    community_fk("resident_id", "resident"),
    Index(None, "community_id", "branch_id"),
)

partner_unit = community_table(
    "partner_unit",
    Column("name", NAME, nullable=False),
    Column("kind", EnumValue(PartnerUnitKind), nullable=False),
    Column("credit_code", String(18)),
    Column("address", ADDRESS),
    Column("contact_name", NAME),
    Column("contact_phone", PHONE),
    Column("council_office", NAME),
    Column("agreement_signed_on", Date),
    UniqueConstraint("community_id", "credit_code"),
)

committee = community_table(
    "committee",
    Column("kind", EnumValue(CommitteeKind), nullable=False),
    Column("name", NAME, nullable=False),
    Column("parent_id", Uuid),
    Column("term_years", Integer),
    Column("established_on", Date),
    community_fk("parent_id", "committee"),
)

seat = community_table(
    "seat",
    Column("committee_id", Uuid, nullable=False),
    Column("holder_name", NAME, nullable=False),
    Column("role", NAME, nullable=False),
    Column("resident_id", Uuid),
    Column("partner_unit_id", Uuid),
    Column("term_start", Date, nullable=False),
    Column("term_end", Date),
    community_fk("committee_id", "committee"),
    community_fk("resident_id", "resident"),
    community_fk("partner_unit_id", "partner_unit"),
)

service_point = community_table(
    "service_point",
    Column("name", NAME, nullable=False),
    Column("kind", EnumValue(ServicePointKind), nullable=False),
    Column("partner_unit_id", Uuid),
    Column("address", ADDRESS),
    Column("phone", PHONE),
    Column("opening_hours", AttrsList(OpeningHours), nullable=False),
    community_fk("partner_unit_id", "partner_unit"),
)

life_event = community_table(
    "life_event",
    Column("kind", EnumValue(LifeEventKind), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("resident_id", Uuid),
    Column("household_id", Uuid),
    Column("detail", Text),
    community_fk("resident_id", "resident"),
    community_fk("household_id", "household"),
    Index(None, "community_id", "resident_id"),
    version=False,
)

# The audit trail: one hash chain per community (the nil UUID holds entries
# about no community, such as users). Not a community_table: entries must
# outlive anonymised records, so they carry no foreign keys.
audit_entry = Table(
    "audit_entry",
    metadata,
    Column("community_id", Uuid, primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", SHORT, nullable=False),
    Column("action", String(20), nullable=False),
    Column("entity", SHORT, nullable=False),
    Column("key", String(40), nullable=False),
    Column("changes", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # The key of the entry's keyed hash (NULL: written before chains were keyed).
    Column("key_id", String(32)),
    # Where the record the entry describes lies, so that the trail is scoped like
    # the rows it describes (row-level security): its grid zone, household, resident.
    Column("grid_zone_id", Uuid),
    Column("household_id", Uuid),
    Column("resident_id", Uuid),
    Index(None, "community_id", "entity", "at"),
    info={"scope": "community"},
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("community_id", Uuid, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    info={"scope": "community"},
)


# Logins of the web app kept on the server: the cookie holds a random token, this
# table its SHA-256, so a session ends everywhere when it is revoked here.
user_session = Table(
    "user_session",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("client", String(64)),
    # No foreign key to user_account: a local table referring to a reference table
    # would make Citus convert it; accounts are deactivated, never deleted.
    Index(None, "user_id"),
    info={"scope": "local"},
)

# Failed logins per user name and per client address, for throttling with backoff.
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", DateTime(timezone=True), nullable=False),
    Column("blocked_until", DateTime(timezone=True)),
    info={"scope": "local"},
)


def core_entities() -> list[Entity]:
    """The core's entities (model + table pairs)."""
    return [
        Entity(StreetOffice, street_office),
        Entity(Community, community),
        Entity(ResidentsGroup, residents_group, shared=True),
        Entity(GridZone, grid_zone, shared=True),
        Entity(Compound, compound, shared=True),
        Entity(Building, building, shared=True),
        Entity(Household, household, zone_column="grid_zone_id", household_column="id"),
        Entity(Resident, resident, household_column="household_id"),
        Entity(Staff, staff),
        Entity(KeyGroupFlag, key_group_flag, resident_column="resident_id"),
        Entity(PartyBranch, party_branch, shared=True),
        Entity(PartyMember, party_member, resident_column="resident_id"),
        Entity(PartnerUnit, partner_unit, shared=True),
        Entity(Committee, committee, shared=True),
        Entity(Seat, seat),
        Entity(ServicePoint, service_point, shared=True),
        Entity(
            LifeEvent,
            life_event,
            household_column="household_id",
            resident_column="resident_id",
            append_only=True,
        ),
    ]


def core_tables() -> list[Table]:
    """Core tables that store no entity."""
    return [user_account, audit_entry, audit_head, user_session, login_throttle]
