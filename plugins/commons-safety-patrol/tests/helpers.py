"""Records for roster tests, and the check that a proposal keeps every rule."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4

from commons_safety_patrol import (
    AvailabilityWindow,
    MemberKind,
    PatrolMember,
    PatrolRoute,
    RosterProposal,
    SensitivePeriod,
    ShiftTemplate,
    Unavailability,
)
from commons_safety_patrol.roster import RosterData

COMMUNITY = UUID(int=1)
TEAM = UUID(int=2)
MONDAY = date(2026, 2, 2)
"""A Monday, the first night of most test rosters."""


def member(name: str, team: UUID = TEAM, **changes: Any) -> PatrolMember:
    """A volunteer of ``team``."""
    return PatrolMember(
        community_id=COMMUNITY,
        team_id=team,
        kind=MemberKind.VOLUNTEER,
        name=name,
        resident_id=uuid4(),
        **changes,
    )


def route(name: str, per_shift: int = 1, **changes: Any) -> PatrolRoute:
    """A route needing ``per_shift`` members a shift."""
    return PatrolRoute(community_id=COMMUNITY, name=name, members_per_shift=per_shift, **changes)


def pattern(
    name: str = "晚间巡逻",
    starts: time = time(19, 30),
    ends: time = time(22, 30),
    *,
    heightened_only: bool = False,
) -> ShiftTemplate:
    """A shift pattern in Beijing time."""
    return ShiftTemplate(
        community_id=COMMUNITY,
        name=name,
        starts=starts,
        ends=ends,
        heightened_only=heightened_only,
    )


def period(
    name: str, first: date, last: date, extra: int = 1, shifts: bool = True
) -> SensitivePeriod:
    """A sensitive period."""
    return SensitivePeriod(
        community_id=COMMUNITY,
        name=name,
        starts_on=first,
        ends_on=last,
        extra_members=extra,
        extra_shifts=shifts,
    )


def window(who: PatrolMember, days: str, starts: time, ends: time) -> AvailabilityWindow:
    """``days`` like ``"1,3"`` (ISO weekdays)."""
    from commons_safety_patrol import Weekday

    return AvailabilityWindow(
        community_id=COMMUNITY,
        member_id=who.id,
        weekdays=frozenset(Weekday.parse(d) for d in days.split(",")),
        starts=starts,
        ends=ends,
    )


def leave(who: PatrolMember, first: date, last: date, reason: str = "住院") -> Unavailability:
    """Days ``who`` cannot patrol."""
    return Unavailability(
        community_id=COMMUNITY, member_id=who.id, starts_on=first, ends_on=last, reason=reason
    )


def roster_data(
    routes: list[PatrolRoute],
    patterns: list[ShiftTemplate],
    members: list[PatrolMember],
    **more: Any,
) -> RosterData:
    """The input of a roster in the test community."""
    return RosterData(
        community_id=COMMUNITY,
        routes=tuple(routes),
        templates=tuple(patterns),
        periods=tuple(more.pop("periods", ())),
        members=tuple(members),
        **{k: tuple(v) for k, v in more.items()},
    )


def violations(proposal: RosterProposal, data: RosterData) -> list[str]:
    """Every broken rule in ``proposal``; a short shift must be listed as a gap."""
    found: list[str] = []
    rest = timedelta(hours=proposal.rules.min_rest_hours)
    booked: dict[UUID, list[tuple[datetime, datetime]]] = defaultdict(list)
    for shift, ids in data.existing:
        for member_id in ids:
            booked[member_id].append((shift.starts_at, shift.ends_at))
    gaps = {(g.slot.night, g.slot.route.id, g.slot.template.id) for g in proposal.gaps}
    windows: dict[UUID, list[AvailabilityWindow]] = defaultdict(list)
    for item in data.windows:
        windows[item.member_id].append(item)
    for planned in proposal.shifts:
        slot = planned.slot
        key = (slot.night, slot.route.id, slot.template.id)
        if len(planned.members) > slot.needed:
            found.append(f"{key}: too many members")
        if len(planned.members) < slot.needed and key not in gaps:
            found.append(f"{key}: short without a gap")
        for who in planned.members:
            if not who.active:
                found.append(f"{who.name}: inactive member on a shift")
            if slot.route.team_id and who.team_id != slot.route.team_id:
                found.append(f"{who.name}: not in the route's team")
            if any(
                u.starts_on <= slot.night <= u.ends_on
                for u in data.unavailable
                if u.member_id == who.id
            ):
                found.append(f"{who.name}: on leave on {slot.night}")
            if windows[who.id] and not any(
                w.covers(slot.starts_at, slot.ends_at) for w in windows[who.id]
            ):
                found.append(f"{who.name}: outside their windows on {slot.night}")
            for starts_at, ends_at in booked[who.id]:
                gap = max(slot.starts_at - ends_at, starts_at - slot.ends_at)
                if gap < timedelta(0):
                    found.append(f"{who.name}: overlapping shifts on {slot.night}")
                elif gap < rest:
                    found.append(f"{who.name}: {gap} rest before {slot.night}")
            booked[who.id].append((slot.starts_at, slot.ends_at))
    return found
