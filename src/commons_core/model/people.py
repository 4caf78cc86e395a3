"""People: households, residents, community staff and key-group flags."""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

import attrs

from .enums import (
    EmploymentStatus,
    Ethnicity,
    Gender,
    HouseholdStatus,
    HouseholdType,
    KeyGroupCategory,
    RegistrationStatus,
    RelationToHead,
    ResidentStatus,
)
from .fields import Label, Sensitivity, label
from .ids import new_id

__all__ = ["Household", "HouseholdRegistration", "KeyGroupFlag", "Resident", "Staff"]


@attrs.frozen(kw_only=True)
class Household:
    """A household (户): one registration book, its address and special statuses.

    ``statuses`` is sensitive: for actors who may not see it, it is ``None``
    (withheld), which is different from an empty set (no special status).
    Whether a household is a minority household (少数民族户) is not stored: it
    follows from its members' ethnicity.
    """

    LABEL: ClassVar[Label] = Label("户", "household")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    household_no: str = attrs.field(metadata=label("户号", "household number", length=50))
    household_type: HouseholdType = attrs.field(
        default=HouseholdType.REGISTERED, metadata=label("户别", "household type")
    )
    residents_group_id: UUID | None = attrs.field(
        default=None, metadata=label("居民小组", "residents' group", references="residents_group")
    )
    grid_zone_id: UUID | None = attrs.field(
        default=None, metadata=label("网格", "grid zone", references="grid_zone")
    )
    building_id: UUID | None = attrs.field(
        default=None, metadata=label("楼栋", "building", references="building")
    )
    unit: str | None = attrs.field(default=None, metadata=label("单元", "unit", length=20))
    room: str | None = attrs.field(default=None, metadata=label("房号", "room", length=20))
    address: str | None = attrs.field(default=None, metadata=label("现住址", "address", length=300))
    statuses: frozenset[HouseholdStatus] | None = attrs.field(
        default=frozenset(),
        metadata=label("特殊户类别", "special statuses", sensitive=Sensitivity.ASSISTANCE),
    )
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class Resident:
    """A resident (居民) and their place in a household.

    ``registered_address`` is the address of household registration (户籍地址)
    when it differs from where the resident lives (人户分离).
    """

    LABEL: ClassVar[Label] = Label("居民", "resident")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    household_id: UUID | None = attrs.field(
        default=None, metadata=label("所属户", "household", references="household")
    )
    relation_to_head: RelationToHead = attrs.field(
        default=RelationToHead.HEAD, metadata=label("与户主关系", "relation to head")
    )
    name: str = attrs.field(metadata=label("姓名", "name", length=100))
    gender: Gender = attrs.field(metadata=label("性别", "gender"))
    birth_date: date = attrs.field(metadata=label("出生日期", "birth date"))
    ethnicity: Ethnicity = attrs.field(default=Ethnicity.HAN, metadata=label("民族", "ethnicity"))
    id_number: str | None = attrs.field(
        default=None,
        metadata=label("身份证号", "ID number", sensitive=Sensitivity.IDENTITY, length=18),
    )
    phone: str | None = attrs.field(
        default=None, metadata=label("联系电话", "phone", sensitive=Sensitivity.CONTACT, length=20)
    )
    registration_status: RegistrationStatus = attrs.field(
        default=RegistrationStatus.PERMANENT, metadata=label("户籍状态", "registration status")
    )
    employment_status: EmploymentStatus | None = attrs.field(
        default=None, metadata=label("就业状况", "employment status")
    )
    registered_address: str | None = attrs.field(
        default=None, metadata=label("户籍地址", "registered address", length=300)
    )
    status: ResidentStatus = attrs.field(
        default=ResidentStatus.ACTIVE, metadata=label("在册状态", "status")
    )
    moved_in_on: date | None = attrs.field(default=None, metadata=label("迁入日期", "moved in on"))
    left_on: date | None = attrs.field(
        default=None, metadata=label("迁出或死亡日期", "moved out or died on")
    )
    version: int = attrs.field(default=0, metadata=label("版本", "version"))

    def age_on(self, day: date) -> int:
        """Age in whole years on ``day``."""
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before_birthday)


@attrs.frozen(kw_only=True)
class HouseholdRegistration:
    """A household together with its members, as registered in one step.

    This is the input of :meth:`~commons_core.services.HouseholdService.register`;
    its rules (exactly one head, …) concern the members together.
    """

    LABEL: ClassVar[Label] = Label("户籍登记", "household registration")

    household: Household = attrs.field(metadata=label("户", "household"))
    members: tuple[Resident, ...] = attrs.field(metadata=label("成员", "members"))


@attrs.frozen(kw_only=True)
class Staff:
    """A community worker or cadre (社区工作者)."""

    LABEL: ClassVar[Label] = Label("社区工作者", "staff member")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    name: str = attrs.field(metadata=label("姓名", "name", length=100))
    position: str = attrs.field(metadata=label("职务", "position", length=100))
    resident_id: UUID | None = attrs.field(
        default=None, metadata=label("居民档案", "resident", references="resident")
    )
    grid_zone_id: UUID | None = attrs.field(
        default=None, metadata=label("负责网格", "grid zone owned", references="grid_zone")
    )
    phone: str | None = attrs.field(
        default=None, metadata=label("联系电话", "phone", sensitive=Sensitivity.CONTACT, length=20)
    )
    hired_on: date | None = attrs.field(default=None, metadata=label("入职日期", "hired on"))
    left_on: date | None = attrs.field(default=None, metadata=label("离职日期", "left on"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class KeyGroupFlag:
    """A key-group follow-up flag on a resident (重点人群); visible only to roles that need it."""

    LABEL: ClassVar[Label] = Label("重点人群", "key-group flag")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    resident_id: UUID = attrs.field(metadata=label("居民", "resident", references="resident"))
    category: KeyGroupCategory | None = attrs.field(
        metadata=label("类别", "category", sensitive=Sensitivity.KEY_GROUP)
    )
    since: date | None = attrs.field(default=None, metadata=label("起始日期", "since"))
    note: str | None = attrs.field(
        default=None, metadata=label("备注", "note", sensitive=Sensitivity.KEY_GROUP)
    )
    version: int = attrs.field(default=0, metadata=label("版本", "version"))
