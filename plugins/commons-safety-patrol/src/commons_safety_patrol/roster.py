"""Roster generation: which members walk which route on which night.

The rules, every one of which a proposal either meets or explains:

* every active route gets a shift of every ordinary shift pattern every night,
  with the route's ``members_per_shift`` members (each route covered every night);
* on the nights of a sensitive period or holiday every shift needs the
  period's ``extra_members`` more, and the ``heightened_only`` patterns are
  added (heightened rosters);
* a member patrols only inside their availability windows (when they have
  any), never on days they are unavailable, and only routes of their team
  (when the route names a team);
* no member is on two overlapping shifts, and between two shifts of one
  member there are at least ``min_rest_hours`` hours (saved shifts count).

The search. The problem is small (a community has a handful of routes, two
or three patterns and a few dozen members), and each night is tied to the
next only through rest and fairness. So nights are planned in order; within
a night a depth-first search assigns the shift with the fewest possible
members first and tries the least-loaded members first, backtracking when a
later shift of the night cannot be staffed, up to a fixed number of steps.
This finds a full night whenever one exists in practice, is deterministic
(ties are broken by name and id), and needs no solver: a constraint solver
such as OR-Tools would add a large binary dependency for no better answer at
this size. A night that cannot be fully staffed is filled as well as
possible and every short shift becomes a :class:`RosterGap` naming the
night, the route, the pattern and, for every member left out, the rule that
kept them off.

This module is pure: it reads the records handed to it and writes nothing
(see :class:`~commons_safety_patrol.services.Patrols` for loading and saving).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from commons_core import Problem, ValidationError
from commons_core import model as core
from commons_core.model import LabeledEnum

from .model import (
    DEFAULT_ZONE,
    AvailabilityWindow,
    PatrolMember,
    PatrolRoute,
    SensitivePeriod,
    Shift,
    ShiftTemplate,
    Unavailability,
)

__all__ = [
    "DEFAULT_MIN_REST_HOURS",
    "MAX_MIN_REST_HOURS",
    "MAX_ROSTER_DAYS",
    "Block",
    "BlockedBy",
    "PlannedShift",
    "RosterData",
    "RosterGap",
    "RosterProposal",
    "RosterRules",
    "Slot",
    "check_period",
    "plan_roster",
]

DEFAULT_MIN_REST_HOURS = 8
"""Hours of rest between two shifts of one member unless the community sets others."""
MAX_MIN_REST_HOURS = 48
"""The longest rest a roster may require (saved shifts this far around the period count)."""
MAX_ROSTER_DAYS = 92
"""The longest period one roster covers (a quarter)."""
SEARCH_STEPS_PER_NIGHT = 500
"""How many assignments the search of one night may try before settling for best effort."""


@attrs.frozen
class RosterRules:
    """The community's rules for a roster besides its records."""

    min_rest_hours: int = DEFAULT_MIN_REST_HOURS


class BlockedBy(LabeledEnum):
    """The rule that kept a member off a shift."""

    TEAM = "team", "不是该路线所属巡逻队的队员", "not in the route's team"
    UNAVAILABLE = "unavailable", "当日不可排班", "unavailable that day"
    WINDOW = "window", "不在可排班时间内", "outside their availability"
    OVERLAP = "overlap", "与其他班次时间重叠", "on an overlapping shift"
    REST = "rest", "两班之间休息不足", "too little rest between shifts"


@attrs.frozen
class Block:
    """Why one member could not take one shift."""

    member: PatrolMember
    rule: BlockedBy
    zh: str
    en: str


@attrs.frozen
class Slot:
    """A shift the roster must staff: one route, one pattern, one night."""

    night: date
    route: PatrolRoute
    template: ShiftTemplate
    starts_at: datetime
    ends_at: datetime
    needed: int
    period: SensitivePeriod | None

    @property
    def hours(self) -> float:
        """The shift's length in hours."""
        return (self.ends_at - self.starts_at).total_seconds() / 3600

    def describe(self) -> tuple[str, str]:
        """``2026-02-16 东线 晚间巡逻 19:30–22:30``, in Chinese and in English."""
        zone = ZoneInfo(self.template.zone)
        times = f"{self.starts_at.astimezone(zone):%H:%M}–{self.ends_at.astimezone(zone):%H:%M}"
        what = f"{self.night.isoformat()} {self.route.name} {self.template.name} {times}"
        if self.period is None:
            return what, what
        return f"{what}({self.period.name}加强)", f"{what} (heightened: {self.period.name})"


@attrs.frozen
class PlannedShift:
    """A shift of the proposal with the members on it."""

    slot: Slot
    shift: Shift
    members: tuple[PatrolMember, ...]


@attrs.frozen
class RosterGap:
    """A shift the rules did not let the roster staff fully, and why."""

    slot: Slot
    assigned: tuple[PatrolMember, ...]
    blocks: tuple[Block, ...]

    @property
    def zh(self) -> str:
        """The explanation in Chinese."""
        what, _ = self.slot.describe()
        names = "、".join(m.name for m in self.assigned) or "无人"
        lines = [f"{what}:需要 {self.slot.needed} 人,只排到 {len(self.assigned)} 人({names})。"]
        lines += [f"  {b.member.name}:{b.rule.zh}({b.zh})" for b in self.blocks]
        if not self.blocks:
            lines.append("  没有其他可排班的队员。")
        return "\n".join(lines)

    @property
    def en(self) -> str:
        """The explanation in English."""
        _, what = self.slot.describe()
        names = ", ".join(m.name for m in self.assigned) or "nobody"
        lines = [f"{what}: needs {self.slot.needed}, only {len(self.assigned)} ({names})."]
        lines += [f"  {b.member.name}: {b.rule.en} ({b.en})" for b in self.blocks]
        if not self.blocks:
            lines.append("  there are no other members.")
        return "\n".join(lines)


@attrs.frozen
class RosterProposal:
    """A proposed roster for a period: the shifts to save and the shifts the rules left short.

    ``kept`` counts the shifts of the period that were saved before and are
    left as they are.
    """

    community_id: UUID
    start: date
    end: date
    rules: RosterRules
    shifts: tuple[PlannedShift, ...]
    gaps: tuple[RosterGap, ...]
    kept: int

    @property
    def complete(self) -> bool:
        """Whether every rule is met: no shift is short of members."""
        return not self.gaps


@attrs.frozen
class RosterData:
    """Everything a roster is planned from, as loaded for one community and period.

    ``existing`` holds the saved shifts around the period with their members'
    ids; ``routes`` may include inactive routes (they name saved shifts).
    """

    community_id: UUID
    routes: tuple[PatrolRoute, ...]
    templates: tuple[ShiftTemplate, ...]
    periods: tuple[SensitivePeriod, ...]
    members: tuple[PatrolMember, ...]
    windows: tuple[AvailabilityWindow, ...] = ()
    unavailable: tuple[Unavailability, ...] = ()
    existing: tuple[tuple[Shift, tuple[UUID, ...]], ...] = ()


@attrs.frozen
class _Booking:
    starts_at: datetime
    ends_at: datetime
    label: str


def _nights(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def check_period(start: date, end: date, rules: RosterRules) -> None:
    """Refuse a period or rules no roster can be planned for, naming what is wrong."""
    problems = []
    if end < start:
        problems.append(
            (
                "to",
                end.isoformat(),
                f"结束日期 {end} 早于开始日期 {start}",
                f"{end} is before {start}",
            )
        )
    elif (end - start).days + 1 > MAX_ROSTER_DAYS:
        problems.append(
            (
                "to",
                end.isoformat(),
                f"一次最多排 {MAX_ROSTER_DAYS} 天",
                f"a roster covers {MAX_ROSTER_DAYS} days at the most",
            )
        )
    if not 0 <= rules.min_rest_hours <= MAX_MIN_REST_HOURS:
        problems.append(
            (
                "min_rest_hours",
                str(rules.min_rest_hours),
                f"两班间最少休息时间应在 0 到 {MAX_MIN_REST_HOURS} 小时之间",
                f"the minimum rest must be 0 to {MAX_MIN_REST_HOURS} hours",
            )
        )
    if problems:
        raise ValidationError(
            Problem(path, value, "safety_patrol.roster_period", zh, en)
            for path, value, zh, en in problems
        )


def plan_roster(
    data: RosterData,
    start: date,
    end: date,
    rules: RosterRules,
    *,
    new_id: Callable[[], UUID] = core.new_id,
) -> RosterProposal:
    """Plan the shifts of ``start``–``end`` (both included) that are not saved yet.

    ``new_id`` makes the new shifts' ids (the demo draws them from its seed).

    Raises :class:`~commons_core.ValidationError` when nothing can be planned
    at all (no active route, no ordinary shift pattern, no active member).
    """
    check_period(start, end, rules)
    planner = _Planner(data, rules)
    planned: list[PlannedShift] = []
    gaps: list[RosterGap] = []
    kept = 0
    for night in _nights(start, end):
        slots, saved = planner.slots(night)
        kept += saved
        night_plan, night_gaps = planner.plan_night(slots)
        gaps.extend(night_gaps)
        planned.extend(
            PlannedShift(
                slot=slot, shift=_shift_of(new_id(), data.community_id, slot), members=members
            )
            for slot, members in night_plan
            if members
        )
    return RosterProposal(
        community_id=data.community_id,
        start=start,
        end=end,
        rules=rules,
        shifts=tuple(planned),
        gaps=tuple(gaps),
        kept=kept,
    )


def _shift_of(id: UUID, community_id: UUID, slot: Slot) -> Shift:
    return Shift(
        id=id,
        community_id=community_id,
        route_id=slot.route.id,
        night=slot.night,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        template_id=slot.template.id,
        period_id=slot.period.id if slot.period else None,
        heightened=slot.period is not None,
    )


class _Planner:
    """The state of one roster's search: who is booked when, and each member's load."""

    def __init__(self, data: RosterData, rules: RosterRules) -> None:
        self.data = data
        self.rest = timedelta(hours=rules.min_rest_hours)
        self.min_rest_hours = rules.min_rest_hours
        self.routes = sorted((r for r in data.routes if r.active), key=lambda r: (r.name, r.id))
        self.ordinary = sorted(
            (t for t in data.templates if not t.heightened_only), key=lambda t: (t.starts, t.name)
        )
        self.extra = sorted(
            (t for t in data.templates if t.heightened_only), key=lambda t: (t.starts, t.name)
        )
        self.members = sorted((m for m in data.members if m.active), key=lambda m: (m.name, m.id))
        _require_something_to_plan(self.routes, self.ordinary, self.members)
        self.windows: dict[UUID, list[AvailabilityWindow]] = defaultdict(list)
        for window in data.windows:
            self.windows[window.member_id].append(window)
        self.unavailable: dict[UUID, list[Unavailability]] = defaultdict(list)
        for item in data.unavailable:
            self.unavailable[item.member_id].append(item)
        self._eligible: dict[tuple[date, UUID, UUID], list[PatrolMember]] = {}
        # Shifts booked per member, by the UTC day they start: a rule only looks at
        # the days around a shift, however long the roster.
        self.bookings: dict[UUID, dict[date, list[_Booking]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.hours: dict[UUID, float] = defaultdict(float)
        route_names = {r.id: r.name for r in data.routes}
        zone = ZoneInfo(self.ordinary[0].zone if self.ordinary else DEFAULT_ZONE)
        self.saved: set[tuple[UUID, date, UUID | None]] = set()
        for shift, member_ids in data.existing:
            self.saved.add((shift.route_id, shift.night, shift.template_id))
            label = _label(
                route_names.get(shift.route_id, "?"), shift.starts_at, shift.ends_at, zone
            )
            for member_id in member_ids:
                self._booked(member_id, shift.starts_at).append(
                    _Booking(shift.starts_at, shift.ends_at, label)
                )
                self.hours[member_id] += (shift.ends_at - shift.starts_at).total_seconds() / 3600

    # -- slots -------------------------------------------------------------------

    def slots(self, night: date) -> tuple[list[Slot], int]:
        """The shifts ``night`` needs that are not saved yet, and how many are saved."""
        covering = [p for p in self.data.periods if p.starts_on <= night <= p.ends_on]
        period = max(
            covering,
            key=lambda p: (p.extra_members, -p.starts_on.toordinal(), p.name),
            default=None,
        )
        extra_members = period.extra_members if period else 0
        templates = list(self.ordinary)
        if any(p.extra_shifts for p in covering):
            templates += self.extra
        slots: list[Slot] = []
        saved = 0
        for template in templates:
            starts_at, ends_at = template.span(night)
            for route in self.routes:
                if (route.id, night, template.id) in self.saved:
                    saved += 1
                    continue
                slots.append(
                    Slot(
                        night=night,
                        route=route,
                        template=template,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        needed=route.members_per_shift + extra_members,
                        period=period,
                    )
                )
        return slots, saved

    # -- the rules -----------------------------------------------------------------

    def static_block(self, member: PatrolMember, slot: Slot) -> Block | None:
        """The rule that keeps ``member`` off ``slot`` whatever else is planned."""
        if slot.route.team_id is not None and member.team_id != slot.route.team_id:
            return Block(member, BlockedBy.TEAM, "其他巡逻队", "another team")
        for item in self.unavailable.get(member.id, ()):
            if item.starts_on <= slot.night <= item.ends_on:
                reason = f" {item.reason}" if item.reason else ""
                return Block(
                    member,
                    BlockedBy.UNAVAILABLE,
                    f"{item.starts_on}–{item.ends_on}{reason}",
                    f"{item.starts_on} to {item.ends_on}{reason}",
                )
        windows = self.windows.get(member.id)
        if windows and not any(w.covers(slot.starts_at, slot.ends_at) for w in windows):
            return Block(member, BlockedBy.WINDOW, *_windows_text(windows))
        return None

    def dynamic_block(self, member: PatrolMember, slot: Slot) -> Block | None:
        """The rule that keeps ``member`` off ``slot`` given the shifts booked so far."""
        for booking in self._near(member.id, slot):
            if slot.starts_at < booking.ends_at and booking.starts_at < slot.ends_at:
                return Block(
                    member, BlockedBy.OVERLAP, f"已排 {booking.label}", f"on {booking.label}"
                )
            gap = max(slot.starts_at - booking.ends_at, booking.starts_at - slot.ends_at)
            if gap < self.rest:
                hours = f"{gap.total_seconds() / 3600:g}"
                return Block(
                    member,
                    BlockedBy.REST,
                    f"与 {booking.label} 只间隔 {hours} 小时,至少 {self.min_rest_hours} 小时",
                    f"{hours} h from {booking.label}, at least {self.min_rest_hours} h needed",
                )
        return None

    def eligible(self, slot: Slot) -> list[PatrolMember]:
        """The members no static rule keeps off ``slot`` (worked out once per shift)."""
        key = (slot.night, slot.route.id, slot.template.id)
        found = self._eligible.get(key)
        if found is None:
            found = [m for m in self.members if self.static_block(m, slot) is None]
            self._eligible[key] = found
        return found

    def candidates(self, slot: Slot) -> list[PatrolMember]:
        """The members who may take ``slot`` now, least loaded first."""
        free = [m for m in self.eligible(slot) if self.dynamic_block(m, slot) is None]
        return sorted(free, key=lambda m: self.hours[m.id])  # stable: name order breaks ties

    # -- booking -------------------------------------------------------------------

    def _booked(self, member_id: UUID, starts_at: datetime) -> list[_Booking]:
        return self.bookings[member_id][starts_at.astimezone(UTC).date()]

    def _near(self, member_id: UUID, slot: Slot) -> Iterator[_Booking]:
        """The member's bookings that could overlap ``slot`` or fall within the rest."""
        by_day = self.bookings.get(member_id)
        if not by_day:
            return
        # Shifts last at most a day, so earlier starts cannot reach the slot's rest.
        first = (slot.starts_at - self.rest - timedelta(days=1)).astimezone(UTC).date()
        last = (slot.ends_at + self.rest).astimezone(UTC).date()
        day = first
        while day <= last:
            yield from by_day.get(day, ())
            day += timedelta(days=1)

    def book(self, slot: Slot, members: Iterable[PatrolMember]) -> None:
        label = _label(slot.route.name, slot.starts_at, slot.ends_at, ZoneInfo(slot.template.zone))
        for member in members:
            self._booked(member.id, slot.starts_at).append(
                _Booking(slot.starts_at, slot.ends_at, label)
            )
            self.hours[member.id] += slot.hours

    def unbook(self, slot: Slot, members: Iterable[PatrolMember]) -> None:
        for member in members:
            self._booked(member.id, slot.starts_at).pop()
            self.hours[member.id] -= slot.hours

    # -- search --------------------------------------------------------------------

    def plan_night(
        self, slots: Sequence[Slot]
    ) -> tuple[list[tuple[Slot, tuple[PatrolMember, ...]]], list[RosterGap]]:
        """Staff one night's shifts: fully if the search finds a way, else as well as possible."""
        steps = [SEARCH_STEPS_PER_NIGHT]
        found = self._search(list(slots), steps)
        if found is not None:
            return found, []
        return self._best_effort(list(slots))

    def _options(self, slots: Sequence[Slot]) -> list[tuple[Slot, list[PatrolMember]]]:
        return [(slot, self.candidates(slot)) for slot in slots]

    @staticmethod
    def _most_constrained(
        options: Sequence[tuple[Slot, list[PatrolMember]]],
    ) -> tuple[Slot, list[PatrolMember]]:
        return min(
            options,
            key=lambda o: (len(o[1]) - o[0].needed, o[0].starts_at, o[0].route.name),
        )

    @staticmethod
    def _enough_people(options: Sequence[tuple[Slot, list[PatrolMember]]]) -> bool:
        """Shifts at the same time need different people: are there enough for all of them?

        A necessary condition (Hall's) that cuts the search short on nights that
        cannot be staffed, instead of trying every combination first.
        """
        needed: dict[tuple[datetime, datetime], int] = defaultdict(int)
        people: dict[tuple[datetime, datetime], set[UUID]] = defaultdict(set)
        for slot, free in options:
            key = (slot.starts_at, slot.ends_at)
            needed[key] += slot.needed
            people[key].update(m.id for m in free)
        return all(len(people[key]) >= count for key, count in needed.items())

    def _search(
        self, slots: list[Slot], steps: list[int]
    ) -> list[tuple[Slot, tuple[PatrolMember, ...]]] | None:
        if not slots:
            return []
        options = self._options(slots)
        slot, free = self._most_constrained(options)
        if len(free) < slot.needed or not self._enough_people(options):
            return None
        rest = [s for s in slots if s is not slot]
        for team in itertools.combinations(free, slot.needed):
            steps[0] -= 1
            if steps[0] < 0:
                return None
            self.book(slot, team)
            found = self._search(rest, steps)
            if found is not None:
                return [(slot, team), *found]
            self.unbook(slot, team)
        return None

    def _best_effort(
        self, slots: list[Slot]
    ) -> tuple[list[tuple[Slot, tuple[PatrolMember, ...]]], list[RosterGap]]:
        planned: list[tuple[Slot, tuple[PatrolMember, ...]]] = []
        gaps: list[RosterGap] = []
        while slots:
            slot, free = self._most_constrained(self._options(slots))
            team = tuple(free[: slot.needed])
            self.book(slot, team)
            planned.append((slot, team))
            if len(team) < slot.needed:
                gaps.append(RosterGap(slot, team, tuple(self._blocks(slot, team))))
            slots.remove(slot)
        return planned, gaps

    def _blocks(self, slot: Slot, team: Sequence[PatrolMember]) -> Iterator[Block]:
        on_team = {m.id for m in team}
        for member in self.members:
            if member.id in on_team:
                continue
            block = self.static_block(member, slot) or self.dynamic_block(member, slot)
            if block is not None:
                yield block


def _require_something_to_plan(
    routes: Sequence[PatrolRoute], ordinary: Sequence[ShiftTemplate], members: Sequence[object]
) -> None:
    problems = []
    if not routes:
        problems.append(
            Problem(
                "routes",
                None,
                "safety_patrol.no_route",
                "没有启用的巡逻路线",
                "there is no active patrol route",
            )
        )
    if not ordinary:
        problems.append(
            Problem(
                "templates",
                None,
                "safety_patrol.no_pattern",
                "没有常规班次(每条路线每晚都要有人巡逻)",
                "there is no ordinary shift pattern (every route is walked every night)",
            )
        )
    if not members:
        problems.append(
            Problem(
                "members",
                None,
                "safety_patrol.no_member",
                "没有在队的巡逻队员",
                "there is no active patrol member",
            )
        )
    if problems:
        raise ValidationError(problems)


def _label(route: str, starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> str:
    return f"{route} {starts_at.astimezone(zone):%m-%d %H:%M}–{ends_at.astimezone(zone):%H:%M}"


def _windows_text(windows: Sequence[AvailabilityWindow]) -> tuple[str, str]:
    zh = []
    en = []
    for window in windows:
        days = sorted(window.weekdays, key=lambda d: d.value)
        times = f"{window.starts:%H:%M}–{window.ends:%H:%M}"
        zh.append("、".join(d.zh for d in days) + " " + times)
        en.append("/".join(d.en[:3] for d in days) + " " + times)
    return "可排班:" + ";".join(zh), "available " + "; ".join(en)
