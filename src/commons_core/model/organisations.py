"""Organisations: party bodies, committees and their seats, partner units, service points."""

from __future__ import annotations

from datetime import date, time
from typing import ClassVar
from uuid import UUID

import attrs

from .enums import CommitteeKind, PartnerUnitKind, ServicePointKind
from .fields import Label, Sensitivity, label
from .ids import new_id

__all__ = [
    "Committee",
    "OpeningHours",
    "PartnerUnit",
    "PartyBranch",
    "PartyMember",
    "Seat",
    "ServicePoint",
]


@attrs.frozen(kw_only=True)
class PartyBranch:
    """A grass-roots party organisation of a community.

    Its level (党支部 / 党总支 / 党委) is not typed in: it follows from the
    number of members, see :meth:`PartyBranchLevel.for_members
    <commons_core.model.enums.PartyBranchLevel.for_members>`.
    """

    LABEL: ClassVar[Label] = Label("党组织", "party organisation")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    name: str = attrs.field(metadata=label("名称", "name", length=100))
    activity_day: str | None = attrs.field(
        default=None, metadata=label("党员活动日", "party activity day", length=100)
    )
    founded_on: date | None = attrs.field(default=None, metadata=label("成立日期", "founded on"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class PartyMember:
    """A party member (党员): a resident of the community, or a floating member (流动党员)."""

    LABEL: ClassVar[Label] = Label("党员", "party member")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    branch_id: UUID = attrs.field(
        metadata=label("所属党组织", "party organisation", references="party_branch")
    )
    name: str = attrs.field(metadata=label("姓名", "name", length=100))
    resident_id: UUID | None = attrs.field(
        default=None,
        metadata=label(
            "居民档案", "resident", sensitive=Sensitivity.POLITICAL, references="resident"
        ),
    )
    joined_on: date | None = attrs.field(default=None, metadata=label("入党日期", "joined on"))
    floating: bool = attrs.field(default=False, metadata=label("流动党员", "floating member"))
    star_rating: int | None = attrs.field(
        default=None, metadata=label("星级(十星级党员)", "star rating (of ten)")
    )
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class Committee:
    """A committee or organisation (委员会 / 组织); working committees name their parent."""

    LABEL: ClassVar[Label] = Label("委员会", "committee")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    kind: CommitteeKind = attrs.field(metadata=label("类别", "kind"))
    name: str = attrs.field(metadata=label("名称", "name", length=100))
    parent_id: UUID | None = attrs.field(
        default=None, metadata=label("上级组织", "parent", references="committee")
    )
    term_years: int | None = attrs.field(default=None, metadata=label("任期(年)", "term (years)"))
    established_on: date | None = attrs.field(
        default=None, metadata=label("成立日期", "established on")
    )
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class Seat:
    """A person's role on a committee (职务) for a term."""

    LABEL: ClassVar[Label] = Label("职务", "seat")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    committee_id: UUID = attrs.field(metadata=label("委员会", "committee", references="committee"))
    holder_name: str = attrs.field(metadata=label("姓名", "name", length=100))
    role: str = attrs.field(metadata=label("职务", "role", length=100))
    resident_id: UUID | None = attrs.field(
        default=None, metadata=label("居民档案", "resident", references="resident")
    )
    partner_unit_id: UUID | None = attrs.field(
        default=None, metadata=label("所在共建单位", "partner unit", references="partner_unit")
    )
    term_start: date = attrs.field(metadata=label("任期开始", "term start"))
    term_end: date | None = attrs.field(default=None, metadata=label("任期结束", "term end"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class PartnerUnit:
    """A partner or resident unit (共建单位 / 驻区单位)."""

    LABEL: ClassVar[Label] = Label("共建单位", "partner unit")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    name: str = attrs.field(metadata=label("单位名称", "name", length=100))
    kind: PartnerUnitKind = attrs.field(
        default=PartnerUnitKind.OTHER, metadata=label("单位类别", "kind")
    )
    credit_code: str | None = attrs.field(
        default=None, metadata=label("统一社会信用代码", "unified social credit code", length=18)
    )
    address: str | None = attrs.field(default=None, metadata=label("地址", "address", length=300))
    contact_name: str | None = attrs.field(
        default=None, metadata=label("联系人", "contact", length=100)
    )
    contact_phone: str | None = attrs.field(
        default=None, metadata=label("联系电话", "contact phone", length=20)
    )
    council_office: str | None = attrs.field(
        default=None, metadata=label("共建理事会职务", "office on the council", length=100)
    )
    agreement_signed_on: date | None = attrs.field(
        default=None, metadata=label("共建协议签订日期", "agreement signed on")
    )
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class OpeningHours:
    """One opening period on some weekdays (1 = Monday … 7 = Sunday).

    Staggered hours (错时工作制) are simply more periods, such as 13:30–16:00
    and 20:00–21:30 besides the ordinary day.
    """

    LABEL: ClassVar[Label] = Label("开放时间", "opening hours")

    weekdays: frozenset[int] = attrs.field(metadata=label("星期", "weekdays"))
    opens: time = attrs.field(metadata=label("开始", "opens"))
    closes: time = attrs.field(metadata=label("结束", "closes"))
    staggered: bool = attrs.field(default=False, metadata=label("错时", "staggered"))


@attrs.frozen(kw_only=True)
class ServicePoint:
    """A service outlet or a window of the one-stop service centre (服务网点 / 服务窗口)."""

    LABEL: ClassVar[Label] = Label("服务网点", "service point")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    name: str = attrs.field(metadata=label("名称", "name", length=100))
    kind: ServicePointKind = attrs.field(metadata=label("类别", "kind"))
    partner_unit_id: UUID | None = attrs.field(
        default=None, metadata=label("所属单位", "run by partner unit", references="partner_unit")
    )
    address: str | None = attrs.field(default=None, metadata=label("地址", "address", length=300))
    phone: str | None = attrs.field(default=None, metadata=label("电话", "phone", length=20))
    opening_hours: tuple[OpeningHours, ...] = attrs.field(
        default=(), metadata=label("开放时间", "opening hours")
    )
    version: int = attrs.field(default=0, metadata=label("版本", "version"))
