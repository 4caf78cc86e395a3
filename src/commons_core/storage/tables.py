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
    UniqueConstraint,
    Uuid,
)

from commons_core.model import (
    Building,
    Committee,
    Community,
    Compound,
    GridZone,
    Household,
    HouseholdStatus,
    KeyGroupCategory,
    KeyGroupFlag,
    LifeEvent,
    PartnerUnit,
    PartyBranch,
    PartyMember,
    Resident,
    ResidentsGroup,
    Seat,
    ServicePoint,
    Staff,
    StreetOffice,
)
from commons_core.storage.derive import record_table
from commons_core.storage.erasure import Erasure
from commons_core.storage.schema import (
    Entity,
    EnumSet,
    EnumValue,
    StringTuple,
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

residents_group = record_table(
    "residents_group",
    ResidentsGroup,
    UniqueConstraint("community_id", "number"),
)

grid_zone = record_table(
    "grid_zone",
    GridZone,
    UniqueConstraint("community_id", "number"),
)

compound = record_table(
    "compound",
    Compound,
)

building = record_table(
    "building",
    Building,
)

household = record_table(
    "household",
    Household,
    UniqueConstraint("community_id", "household_no"),
    Index(None, "community_id", "grid_zone_id"),
    # Optional in the model (masked as None for who may not see them); never NULL here.
    types={"statuses": Column("statuses", EnumSet(HouseholdStatus), nullable=False)},
)

resident = record_table(
    "resident",
    Resident,
    UniqueConstraint("community_id", "id_number"),
    Index(None, "community_id", "household_id"),
    Index(None, "community_id", "birth_date"),
)

staff = record_table(
    "staff",
    Staff,
)

key_group_flag = record_table(
    "key_group_flag",
    KeyGroupFlag,
    Index(None, "community_id", "resident_id"),
    # Optional in the model (masked as None for who may not see it); never NULL here.
    types={"category": Column("category", EnumValue(KeyGroupCategory), nullable=False)},
)

party_branch = record_table(
    "party_branch",
    PartyBranch,
)

party_member = record_table(
    "party_member",
    PartyMember,
    Index(None, "community_id", "branch_id"),
)

partner_unit = record_table(
    "partner_unit",
    PartnerUnit,
    UniqueConstraint("community_id", "credit_code"),
)

committee = record_table(
    "committee",
    Committee,
)

seat = record_table(
    "seat",
    Seat,
)

service_point = record_table(
    "service_point",
    ServicePoint,
)

life_event = record_table(
    "life_event",
    LifeEvent,
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


_STAFF_KEPT = Erasure.keep(
    "工作人员档案是人事记录,按人事规定保存,不随其居民档案匿名",
    "staff records are employment records, kept under their own rules, not with the"
    " resident record of the same person",
)
_LIFE_EVENTS_KEPT = Erasure.keep(
    "人口变动记录只追加,供统计使用;其居民本人的档案已匿名",
    "life events are append-only and feed the population figures; the resident they"
    " name is anonymised in the resident record",
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
        Entity(Staff, staff, erasure=_STAFF_KEPT),
        Entity(
            KeyGroupFlag, key_group_flag, resident_column="resident_id", erasure=Erasure.delete()
        ),
        Entity(PartyBranch, party_branch, shared=True),
        Entity(
            PartyMember,
            party_member,
            resident_column="resident_id",
            erasure=Erasure.anonymise("name"),
        ),
        Entity(PartnerUnit, partner_unit, shared=True),
        Entity(Committee, committee, shared=True),
        Entity(Seat, seat, erasure=Erasure.anonymise("holder_name")),
        Entity(ServicePoint, service_point, shared=True),
        Entity(
            LifeEvent,
            life_event,
            household_column="household_id",
            resident_column="resident_id",
            append_only=True,
            erasure=_LIFE_EVENTS_KEPT,
        ),
    ]


def core_tables() -> list[Table]:
    """Core tables that store no entity."""
    return [user_account, audit_entry, audit_head, user_session, login_throttle]
