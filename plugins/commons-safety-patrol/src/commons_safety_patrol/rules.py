"""The plugin's validation rules: they run on every path (API input, imports, Python objects)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commons_core import Problem
from commons_core.validation import FieldRule, ObjectRule, Rule, RuleContext, RuleViolation

from .model import (
    AvailabilityWindow,
    CheckIn,
    FollowUpStatus,
    Incident,
    MemberKind,
    PatrolMember,
    PatrolRoute,
    SensitivePeriod,
    Shift,
    ShiftTemplate,
    Unavailability,
)

__all__ = ["MAX_SHIFT_HOURS", "MAX_TEAM_ON_SHIFT", "safety_patrol_rules", "zone_of"]

MAX_SHIFT_HOURS = 12
"""No patrol shift is longer than this (a night's watch at the most)."""
MAX_TEAM_ON_SHIFT = 10
"""Upper bound of members per shift, ordinary plus extra."""

LINK_OF_KIND = {
    MemberKind.STAFF: "staff_id",
    MemberKind.PARTY_MEMBER: "party_member_id",
    MemberKind.VOLUNTEER: "resident_id",
}
"""The field of :class:`PatrolMember` that links each kind to its core record."""


def zone_of(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; :class:`RuleViolation` when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleViolation(
            "safety_patrol.zone",
            f"未知时区 {name}(应为 IANA 名称,如 Asia/Shanghai)",
            f"unknown time zone {name} (use an IANA name such as Asia/Shanghai)",
        ) from None


def _zone_name(name: str) -> str:
    zone_of(name)
    return name


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise RuleViolation(
            "safety_patrol.zone_missing",
            "时间须带时区(如 2026-02-16T20:00+08:00)",
            "the time needs a zone (such as 2026-02-16T20:00+08:00)",
        )
    return value


def _members_between(low: int, code: str, zh: str, en: str) -> Callable[[int], int]:
    """A check that a number of members lies in ``low``–:data:`MAX_TEAM_ON_SHIFT`."""

    def check(value: int) -> int:
        if not low <= value <= MAX_TEAM_ON_SHIFT:
            raise RuleViolation(
                code,
                f"{zh}应在 {low} 到 {MAX_TEAM_ON_SHIFT} 之间,而不是 {value}",
                f"{en} must be {low} to {MAX_TEAM_ON_SHIFT}, not {value}",
            )
        return value

    return check


def _lanes(value: tuple[str, ...]) -> tuple[str, ...]:
    lanes = tuple(lane.strip() for lane in value)
    if any(not lane for lane in lanes):
        raise RuleViolation("safety_patrol.lane_empty", "街巷名称不能为空", "a lane needs a name")
    return lanes


def _member_link(member: PatrolMember, _context: RuleContext) -> Iterator[Problem]:
    wanted = LINK_OF_KIND[member.kind]
    if getattr(member, wanted) is None:
        yield Problem(
            wanted,
            None,
            "safety_patrol.member_link",
            f"{member.kind.zh}须关联对应的档案({wanted})",
            f"a member of kind {member.kind.en} must link its record ({wanted})",
        )
    for field in LINK_OF_KIND.values():
        value = getattr(member, field)
        if field != wanted and value is not None:
            yield Problem(
                field,
                str(value),
                "safety_patrol.member_link",
                f"{member.kind.zh}只能关联 {wanted},不能关联 {field}",
                f"a member of kind {member.kind.en} links {wanted} only, not {field}",
            )


def _span(starts_at: datetime, ends_at: datetime, path: str) -> Iterator[Problem]:
    length = ends_at - starts_at
    if length <= timedelta(0):
        yield Problem(
            path,
            ends_at.isoformat(),
            "safety_patrol.shift_order",
            f"结束时间 {ends_at:%Y-%m-%d %H:%M} 须晚于开始时间 {starts_at:%Y-%m-%d %H:%M}",
            f"the end {ends_at:%Y-%m-%d %H:%M} must come after the start {starts_at:%H:%M}",
        )
    elif length > timedelta(hours=MAX_SHIFT_HOURS):
        yield Problem(
            path,
            ends_at.isoformat(),
            "safety_patrol.shift_length",
            f"班次不能超过 {MAX_SHIFT_HOURS} 小时",
            f"a shift cannot last more than {MAX_SHIFT_HOURS} hours",
        )


def _shift(shift: Shift, _context: RuleContext) -> Iterator[Problem]:
    yield from _span(shift.starts_at, shift.ends_at, "ends_at")


def _wall_clock_span(
    item: ShiftTemplate | AvailabilityWindow, _context: RuleContext
) -> Iterator[Problem]:
    if item.starts == item.ends:
        yield Problem(
            "ends",
            item.ends.isoformat(timespec="minutes"),
            "safety_patrol.window_empty",
            "开始与结束时间相同",
            "the start and the end are the same time",
        )


def _template_length(template: ShiftTemplate, _context: RuleContext) -> Iterator[Problem]:
    if template.starts != template.ends:  # an empty pattern is reported once, above
        starts_at, ends_at = template.span(date(2001, 1, 1))
        yield from _span(starts_at, ends_at, "ends")


def _weekdays(window: AvailabilityWindow, _context: RuleContext) -> Iterator[Problem]:
    if not window.weekdays:
        yield Problem(
            "weekdays", "", "safety_patrol.weekdays", "至少选择一天", "choose at least one weekday"
        )


def _date_range(item: SensitivePeriod | Unavailability, _context: RuleContext) -> Iterator[Problem]:
    if item.ends_on < item.starts_on:
        yield Problem(
            "ends_on",
            item.ends_on.isoformat(),
            "safety_patrol.date_order",
            f"结束日期 {item.ends_on} 早于开始日期 {item.starts_on}",
            f"the end {item.ends_on} is before the start {item.starts_on}",
        )


def _not_in_future(value: datetime, context: RuleContext, path: str) -> Iterator[Problem]:
    if value.date() > context.today + timedelta(days=1):
        yield Problem(
            path,
            value.isoformat(),
            "safety_patrol.future",
            f"时间 {value:%Y-%m-%d %H:%M} 在将来",
            f"the time {value:%Y-%m-%d %H:%M} is in the future",
        )


def _check_in(item: CheckIn, context: RuleContext) -> Iterator[Problem]:
    yield from _not_in_future(item.checked_in_at, context, "checked_in_at")


def _incident(item: Incident, context: RuleContext) -> Iterator[Problem]:
    yield from _not_in_future(item.occurred_at, context, "occurred_at")
    closed = item.status is FollowUpStatus.RESOLVED
    if closed and item.closed_on is None:
        yield Problem(
            "closed_on",
            None,
            "safety_patrol.closed_on",
            "已办结的问题须填写办结日期",
            "a resolved incident needs the day it was closed",
        )
    if not closed and item.closed_on is not None:
        yield Problem(
            "closed_on",
            item.closed_on.isoformat(),
            "safety_patrol.closed_on",
            f"状态为{item.status.zh}的问题不能有办结日期",
            f"an incident that is {item.status.en} has no closing day",
        )
    if item.closed_on is not None and item.closed_on < item.occurred_at.date():
        yield Problem(
            "closed_on",
            item.closed_on.isoformat(),
            "safety_patrol.date_order",
            "办结日期早于发现时间",
            "closed before it was found",
        )


def safety_patrol_rules() -> list[Rule]:
    """Every rule of the plugin."""
    return [
        FieldRule(ShiftTemplate, "zone", _zone_name),
        FieldRule(AvailabilityWindow, "zone", _zone_name),
        FieldRule(
            PatrolRoute,
            "members_per_shift",
            _members_between(1, "safety_patrol.members_per_shift", "每班人数", "members per shift"),
        ),
        FieldRule(PatrolRoute, "lanes", _lanes),
        FieldRule(
            SensitivePeriod,
            "extra_members",
            _members_between(0, "safety_patrol.extra_members", "加派人数", "extra members"),
        ),
        FieldRule(Shift, "starts_at", _aware),
        FieldRule(Shift, "ends_at", _aware),
        FieldRule(CheckIn, "checked_in_at", _aware),
        FieldRule(Incident, "occurred_at", _aware),
        ObjectRule(PatrolMember, "safety_patrol.member_link", _member_link),
        ObjectRule(Shift, "safety_patrol.shift_order", _shift),
        ObjectRule(ShiftTemplate, "safety_patrol.window_empty", _wall_clock_span),
        ObjectRule(ShiftTemplate, "safety_patrol.shift_length", _template_length),
        ObjectRule(AvailabilityWindow, "safety_patrol.window_empty", _wall_clock_span),
        ObjectRule(AvailabilityWindow, "safety_patrol.weekdays", _weekdays),
        ObjectRule(SensitivePeriod, "safety_patrol.date_order", _date_range),
        ObjectRule(Unavailability, "safety_patrol.date_order", _date_range),
        ObjectRule(CheckIn, "safety_patrol.future", _check_in),
        ObjectRule(Incident, "safety_patrol.incident", _incident),
    ]
