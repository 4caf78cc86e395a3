"""Places: street offices, communities and what a community is divided into."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar
from uuid import UUID

import attrs

from .fields import Label, label
from .ids import new_id

__all__ = ["Building", "Community", "Compound", "GridZone", "ResidentsGroup", "StreetOffice"]


@attrs.frozen(kw_only=True)
class StreetOffice:
    """A street office (街道办事处), the government level above communities."""

    LABEL: ClassVar[Label] = Label("街道办事处", "street office")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    name: str = attrs.field(metadata=label("名称", "name"))
    district: str | None = attrs.field(default=None, metadata=label("所属区县", "district"))
    city: str | None = attrs.field(default=None, metadata=label("所属城市", "city"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class Community:
    """A community (社区): the area served by one residents' committee."""

    LABEL: ClassVar[Label] = Label("社区", "community")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    name: str = attrs.field(metadata=label("名称", "name"))
    street_office_id: UUID | None = attrs.field(
        default=None, metadata=label("所属街道", "street office")
    )
    area_km2: Decimal | None = attrs.field(
        default=None, metadata=label("辖区面积(平方公里)", "area (km²)")
    )
    founded_on: date | None = attrs.field(default=None, metadata=label("成立日期", "founded on"))
    office_area_m2: Decimal | None = attrs.field(
        default=None, metadata=label("办公用房面积(平方米)", "office floor space (m²)")
    )
    activity_area_m2: Decimal | None = attrs.field(
        default=None, metadata=label("活动用房面积(平方米)", "activity floor space (m²)")
    )
    honours: tuple[str, ...] = attrs.field(default=(), metadata=label("所获荣誉", "honours"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class ResidentsGroup:
    """A numbered residents' group (居民小组) inside a community."""

    LABEL: ClassVar[Label] = Label("居民小组", "residents' group")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    number: int = attrs.field(metadata=label("组号", "group number"))
    name: str | None = attrs.field(default=None, metadata=label("名称", "name", length=100))
    leader_resident_id: UUID | None = attrs.field(
        default=None, metadata=label("小组长", "group leader")
    )
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class GridZone:
    """A grid zone (片区 / 网格), owned by one cadre who visits its households (分片包户)."""

    LABEL: ClassVar[Label] = Label("网格", "grid zone")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    number: int = attrs.field(metadata=label("网格号", "zone number"))
    name: str | None = attrs.field(default=None, metadata=label("名称", "name", length=100))
    owner_staff_id: UUID | None = attrs.field(
        default=None, metadata=label("包片干部", "cadre in charge")
    )
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class Compound:
    """A residential compound (小区)."""

    LABEL: ClassVar[Label] = Label("小区", "compound")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    name: str = attrs.field(metadata=label("名称", "name", length=100))
    address: str | None = attrs.field(default=None, metadata=label("地址", "address", length=300))
    gated: bool = attrs.field(default=False, metadata=label("封闭式管理", "gated"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class Building:
    """A residential building (楼栋), in a compound or standing alone."""

    LABEL: ClassVar[Label] = Label("楼栋", "building")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    name: str = attrs.field(metadata=label("楼栋名称", "name", length=100))
    compound_id: UUID | None = attrs.field(
        default=None, metadata=label("所属小区", "compound", references="compound")
    )
    grid_zone_id: UUID | None = attrs.field(
        default=None, metadata=label("所属网格", "grid zone", references="grid_zone")
    )
    units: int | None = attrs.field(default=None, metadata=label("单元数", "stairwells (units)"))
    gated: bool = attrs.field(default=False, metadata=label("封闭式管理", "gated"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))
