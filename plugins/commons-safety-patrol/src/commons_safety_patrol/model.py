"""The safety patrol model: teams, members, routes, shift patterns, rosters, check-ins, incidents.

A roster is a set of :class:`Shift` records (one route, one night, a start and
an end with their zone) and the members on each (:class:`ShiftMember`).
Rosters are generated from the members' availability (:class:`AvailabilityWindow`,
:class:`Unavailability`), the shift patterns (:class:`ShiftTemplate`) and the
named sensitive periods and holidays (:class:`SensitivePeriod`), see
:mod:`commons_safety_patrol.roster`. Moments (shift start and end, check-ins,
incidents) are aware datetimes; shift patterns are wall-clock times in a
named zone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import ClassVar
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from commons_core.model import Label, LabeledEnum, label, new_id

__all__ = [
    "DEFAULT_ZONE",
    "AvailabilityWindow",
    "CheckIn",
    "FollowUpStatus",
    "Incident",
    "IncidentKind",
    "MemberKind",
    "PatrolMember",
    "PatrolRoute",
    "PatrolTeam",
    "RouteBuilding",
    "SensitivePeriod",
    "Shift",
    "ShiftMember",
    "ShiftTemplate",
    "Unavailability",
    "Weekday",
    "wall_clock_span",
]

DEFAULT_ZONE = "Asia/Shanghai"
"""The zone of shift patterns unless one is given (Beijing time, used by every office)."""


def wall_clock_span(day: date, starts: time, ends: time, zone: str) -> tuple[datetime, datetime]:
    """The moments ``starts``–``ends`` on ``day`` in ``zone``; ``ends`` ≤ ``starts`` is next day."""
    tz = ZoneInfo(zone)
    opens = datetime.combine(day, starts, tz)
    closes = datetime.combine(day if ends > starts else day + timedelta(days=1), ends, tz)
    return opens, closes


class MemberKind(LabeledEnum):
    """Who a patrol member is (队员类别); each kind links to its core record."""

    STAFF = "staff", "专职巡逻员", "patrol staff"
    PARTY_MEMBER = "party_member", "党员", "party member"
    VOLUNTEER = "volunteer", "志愿者", "volunteer"


class Weekday(LabeledEnum):
    """A day of the week, valued by its ISO number (1 = Monday … 7 = Sunday)."""

    MONDAY = "1", "星期一", "Monday"
    TUESDAY = "2", "星期二", "Tuesday"
    WEDNESDAY = "3", "星期三", "Wednesday"
    THURSDAY = "4", "星期四", "Thursday"
    FRIDAY = "5", "星期五", "Friday"
    SATURDAY = "6", "星期六", "Saturday"
    SUNDAY = "7", "星期日", "Sunday"

    @classmethod
    def of(cls, day: date) -> Weekday:
        """The weekday of ``day``."""
        return _WEEKDAYS[day.isoweekday()]


_WEEKDAYS = {int(day.value): day for day in Weekday}


class IncidentKind(LabeledEnum):
    """What a patrol found (发现问题类别)."""

    SAFETY_HAZARD = "safety_hazard", "安全隐患", "safety hazard"
    FIRE_HAZARD = "fire_hazard", "消防隐患", "fire hazard"
    SUSPICIOUS = "suspicious", "可疑人员或车辆", "suspicious person or vehicle"
    THEFT = "theft", "盗窃", "theft"
    DISPUTE = "dispute", "矛盾纠纷", "dispute"
    FACILITY = "facility", "设施损坏", "damaged facility"
    OTHER = "other", "其他", "other"


class FollowUpStatus(LabeledEnum):
    """Where the follow-up of an incident stands (处理状态)."""

    OPEN = "open", "待处理", "open"
    IN_PROGRESS = "in_progress", "处理中", "in progress"
    REFERRED = "referred", "已移交", "referred"
    RESOLVED = "resolved", "已办结", "resolved"


@attrs.frozen(kw_only=True)
class PatrolTeam:
    """A patrol team (巡逻队), such as the red-armband patrol (红袖标治安巡逻队)."""

    LABEL: ClassVar[Label] = Label("巡逻队", "patrol team")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    name: str = attrs.field(metadata=label("名称", "name", length=100))
    founded_on: date | None = attrs.field(default=None, metadata=label("成立日期", "founded on"))
    note: str | None = attrs.field(default=None, metadata=label("备注", "note"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class PatrolMember:
    """A member of a patrol team, linked to the core record of who they are.

    Exactly one link is set, the one of ``kind``: ``staff_id`` for patrol
    staff, ``party_member_id`` for party members, ``resident_id`` for
    volunteer residents. ``name`` is copied from that record when enlisting.
    """

    LABEL: ClassVar[Label] = Label("巡逻队员", "patrol member")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    team_id: UUID = attrs.field(metadata=label("巡逻队", "team", references="safety_patrol_team"))
    kind: MemberKind = attrs.field(metadata=label("队员类别", "kind"))
    name: str = attrs.field(metadata=label("姓名", "name", length=100))
    staff_id: UUID | None = attrs.field(
        default=None, metadata=label("社区工作者", "staff member", references="staff")
    )
    party_member_id: UUID | None = attrs.field(
        default=None, metadata=label("党员", "party member", references="party_member")
    )
    resident_id: UUID | None = attrs.field(
        default=None, metadata=label("居民", "resident", references="resident")
    )
    joined_on: date | None = attrs.field(default=None, metadata=label("入队日期", "joined on"))
    active: bool = attrs.field(default=True, metadata=label("在队", "active"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class PatrolRoute:
    """A patrol route (巡逻路线) over buildings (see :class:`RouteBuilding`) and lanes.

    ``members_per_shift`` is how many members walk it on an ordinary night;
    a ``team_id`` limits its shifts to that team's members.
    """

    LABEL: ClassVar[Label] = Label("巡逻路线", "patrol route")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    name: str = attrs.field(metadata=label("路线名称", "name", length=100))
    team_id: UUID | None = attrs.field(
        default=None, metadata=label("负责巡逻队", "team", references="safety_patrol_team")
    )
    lanes: tuple[str, ...] = attrs.field(default=(), metadata=label("街巷", "lanes"))
    members_per_shift: int = attrs.field(default=2, metadata=label("每班人数", "members per shift"))
    active: bool = attrs.field(default=True, metadata=label("启用", "active"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class RouteBuilding:
    """A building on a route, in walking order (路线楼栋)."""

    LABEL: ClassVar[Label] = Label("路线楼栋", "building on a route")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    route_id: UUID = attrs.field(
        metadata=label("巡逻路线", "route", references="safety_patrol_route")
    )
    building_id: UUID = attrs.field(metadata=label("楼栋", "building", references="building"))
    position: int = attrs.field(metadata=label("顺序", "position"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class ShiftTemplate:
    """A shift pattern (班次), wall-clock times in ``zone``; ``ends`` ≤ ``starts`` crosses midnight.

    Every route gets a shift of every ordinary pattern every night;
    ``heightened_only`` patterns are the extra shifts of sensitive periods.
    """

    LABEL: ClassVar[Label] = Label("班次", "shift pattern")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    name: str = attrs.field(metadata=label("班次名称", "name", length=100))
    starts: time = attrs.field(metadata=label("开始时间", "starts"))
    ends: time = attrs.field(metadata=label("结束时间", "ends"))
    zone: str = attrs.field(default=DEFAULT_ZONE, metadata=label("时区", "time zone", length=64))
    heightened_only: bool = attrs.field(
        default=False, metadata=label("仅加强期间", "heightened periods only")
    )
    version: int = attrs.field(default=0, metadata=label("版本", "version"))

    def span(self, night: date) -> tuple[datetime, datetime]:
        """The start and end of this pattern's shift on ``night``, aware in its zone."""
        return wall_clock_span(night, self.starts, self.ends, self.zone)


@attrs.frozen(kw_only=True)
class SensitivePeriod:
    """A named sensitive period or holiday (重点时段 / 节假日: 春节, 国庆节 …): heightened rosters.

    On its nights every shift needs ``extra_members`` more members, and the
    ``heightened_only`` shift patterns are added when ``extra_shifts`` is set.
    """

    LABEL: ClassVar[Label] = Label("重点时段", "sensitive period")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    name: str = attrs.field(metadata=label("名称", "name", length=100))
    starts_on: date = attrs.field(metadata=label("开始日期", "starts on"))
    ends_on: date = attrs.field(metadata=label("结束日期", "ends on"))
    extra_members: int = attrs.field(default=1, metadata=label("每班加派人数", "extra members"))
    extra_shifts: bool = attrs.field(default=True, metadata=label("增加班次", "extra shifts"))
    note: str | None = attrs.field(default=None, metadata=label("备注", "note"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class AvailabilityWindow:
    """When a member can patrol: some weekdays, and a time window on each.

    A member without windows can patrol at any time; a member with windows
    only on shifts lying inside one. ``ends`` ≤ ``starts`` crosses midnight.
    """

    LABEL: ClassVar[Label] = Label("可排班时间", "availability window")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    member_id: UUID = attrs.field(
        metadata=label("巡逻队员", "member", references="safety_patrol_member")
    )
    weekdays: frozenset[Weekday] = attrs.field(metadata=label("星期", "weekdays"))
    starts: time = attrs.field(metadata=label("开始时间", "starts"))
    ends: time = attrs.field(metadata=label("结束时间", "ends"))
    zone: str = attrs.field(default=DEFAULT_ZONE, metadata=label("时区", "time zone", length=64))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))

    def covers(self, starts_at: datetime, ends_at: datetime) -> bool:
        """Whether the moments ``starts_at``–``ends_at`` lie inside one of this window's days."""
        local_day = starts_at.astimezone(ZoneInfo(self.zone)).date()
        # A window crossing midnight that opened the evening before may hold the shift.
        for day in (local_day - timedelta(days=1), local_day):
            if Weekday.of(day) in self.weekdays:
                opens, closes = wall_clock_span(day, self.starts, self.ends, self.zone)
                if opens <= starts_at and ends_at <= closes:
                    return True
        return False


@attrs.frozen(kw_only=True)
class Unavailability:
    """Days a member cannot patrol (请假 / 不可排班), both ends included."""

    LABEL: ClassVar[Label] = Label("不可排班日期", "days unavailable")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    member_id: UUID = attrs.field(
        metadata=label("巡逻队员", "member", references="safety_patrol_member")
    )
    starts_on: date = attrs.field(metadata=label("开始日期", "starts on"))
    ends_on: date = attrs.field(metadata=label("结束日期", "ends on"))
    reason: str | None = attrs.field(default=None, metadata=label("原因", "reason"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class Shift:
    """One shift of the roster (排班): a route walked one night from ``starts_at`` to ``ends_at``.

    ``night`` is the roster day the shift belongs to (a shift past midnight
    belongs to the evening it started on).
    """

    LABEL: ClassVar[Label] = Label("巡逻班次", "patrol shift")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    route_id: UUID = attrs.field(
        metadata=label("巡逻路线", "route", references="safety_patrol_route")
    )
    night: date = attrs.field(metadata=label("日期", "night"))
    starts_at: datetime = attrs.field(metadata=label("开始", "starts at"))
    ends_at: datetime = attrs.field(metadata=label("结束", "ends at"))
    template_id: UUID | None = attrs.field(
        default=None,
        metadata=label("班次", "shift pattern", references="safety_patrol_shift_template"),
    )
    period_id: UUID | None = attrs.field(
        default=None,
        metadata=label("重点时段", "sensitive period", references="safety_patrol_sensitive_period"),
    )
    heightened: bool = attrs.field(default=False, metadata=label("加强", "heightened"))
    note: str | None = attrs.field(default=None, metadata=label("备注", "note"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class ShiftMember:
    """A member on a shift (排班人员)."""

    LABEL: ClassVar[Label] = Label("排班人员", "member on a shift")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    shift_id: UUID = attrs.field(
        metadata=label("巡逻班次", "shift", references="safety_patrol_shift")
    )
    member_id: UUID = attrs.field(
        metadata=label("巡逻队员", "member", references="safety_patrol_member")
    )
    version: int = attrs.field(default=0, metadata=label("版本", "version"))


@attrs.frozen(kw_only=True)
class CheckIn:
    """A member's check-in on a shift (签到), where and with an optional note; never changed."""

    LABEL: ClassVar[Label] = Label("巡逻签到", "patrol check-in")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    shift_id: UUID = attrs.field(metadata=label("巡逻班次", "shift"))
    member_id: UUID = attrs.field(metadata=label("巡逻队员", "member"))
    checked_in_at: datetime = attrs.field(metadata=label("签到时间", "checked in at"))
    building_id: UUID | None = attrs.field(
        default=None, metadata=label("签到楼栋", "building", references="building")
    )
    note: str | None = attrs.field(default=None, metadata=label("备注", "note"))


@attrs.frozen(kw_only=True)
class Incident:
    """Something a patrol found (巡逻发现问题) and its follow-up."""

    LABEL: ClassVar[Label] = Label("巡逻发现问题", "patrol incident")

    id: UUID = attrs.field(factory=new_id, metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    kind: IncidentKind = attrs.field(metadata=label("类别", "kind"))
    description: str = attrs.field(metadata=label("情况描述", "description"))
    occurred_at: datetime = attrs.field(metadata=label("发现时间", "found at"))
    route_id: UUID | None = attrs.field(
        default=None, metadata=label("巡逻路线", "route", references="safety_patrol_route")
    )
    building_id: UUID | None = attrs.field(
        default=None, metadata=label("楼栋", "building", references="building")
    )
    shift_id: UUID | None = attrs.field(
        default=None, metadata=label("巡逻班次", "shift", references="safety_patrol_shift")
    )
    reported_by_id: UUID | None = attrs.field(
        default=None, metadata=label("报告队员", "reported by", references="safety_patrol_member")
    )
    status: FollowUpStatus = attrs.field(
        default=FollowUpStatus.OPEN, metadata=label("处理状态", "follow-up status")
    )
    follow_up: str | None = attrs.field(default=None, metadata=label("处理情况", "follow-up"))
    closed_on: date | None = attrs.field(default=None, metadata=label("办结日期", "closed on"))
    version: int = attrs.field(default=0, metadata=label("版本", "version"))
