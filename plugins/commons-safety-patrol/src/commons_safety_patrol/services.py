"""The domain operations of safety patrols, each inside a unit of work.

::

    with commons.unit_of_work(actor) as uow:
        patrols = Patrols(uow)
        proposal = patrols.propose(community.id, date(2026, 2, 1), date(2026, 2, 28))
        patrols.apply(proposal)

Every write goes through ``uow.repo(...)``, so permissions, rules,
references, scope and the audit trail apply; the operations check the
plugin's own permissions (:data:`MANAGE`, :data:`CHECK_IN`) first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import groupby
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from uuid import UUID

import attrs
import holidays
from sqlalchemy import select, tuple_

from commons_core import (
    CommonsError,
    Label,
    NotFound,
    PartyMember,
    Resident,
    Staff,
    ValidationError,
)
from commons_core import model as core
from commons_core.access import Permission
from commons_core.model import label

from .model import (
    AvailabilityWindow,
    CheckIn,
    FollowUpStatus,
    Incident,
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
)
from .roster import (
    MAX_MIN_REST_HOURS,
    RosterData,
    RosterProposal,
    RosterRules,
    check_period,
    plan_roster,
)
from .rules import LINK_OF_KIND
from .tables import check_in as check_in_table
from .tables import shift, shift_member

if TYPE_CHECKING:
    from commons_core.services import Repository, UnitOfWork

__all__ = [
    "CHECK_IN",
    "CHECK_IN_GRACE",
    "MANAGE",
    "PERMISSIONS",
    "ROLE_GRANTS",
    "CrewMember",
    "Patrols",
    "RosterIncomplete",
    "RosterShift",
    "holiday_periods",
    "new_member",
]

T = TypeVar("T")

MANAGE = "safety_patrol:manage"
"""Keep teams, routes, patterns and periods; generate and save rosters; follow incidents up."""
CHECK_IN = "safety_patrol:check_in"
"""Record check-ins on shifts and report incidents found."""

PERMISSIONS = (
    Permission(MANAGE, Label("管理治安巡逻(排班、路线、队员)", "manage safety patrols")),
    Permission(CHECK_IN, Label("巡逻签到与上报问题", "check in on patrols and report incidents")),
)

_READ_ALL = ("safety_patrol_*:list", "safety_patrol_*:read")
ROLE_GRANTS: dict[str, list[str]] = {
    # Cadres already hold every entity permission; they also run the patrols.
    "cadre": [MANAGE, CHECK_IN],
    "grid_worker": [
        CHECK_IN,
        *_READ_ALL,
        "safety_patrol_check_in:create",
        "safety_patrol_incident:create",
    ],
    # Auditors read everything already; said here so narrowing their role keeps this.
    "auditor": list(_READ_ALL),
}
"""Cadres manage, grid workers check in and report, auditors read."""

WEEKEND_BRIDGE_DAYS = 3
"""Holidays this close (a weekend between them) are one period: Friday to Monday is 3 days."""
CHECK_IN_GRACE = timedelta(hours=1)
"""A check-in counts for a shift from this long before its start to this long after its end."""


class RosterIncomplete(CommonsError):
    """A roster leaves shifts short of members and was not saved; ``gaps`` say why."""

    def __init__(self, proposal: RosterProposal) -> None:
        self.proposal = proposal
        count = len(proposal.gaps)
        super().__init__(
            f"排班未满足规则({count} 个班次缺人),未保存:\n"
            + "\n".join(g.zh for g in proposal.gaps),
            f"the roster leaves {count} shift(s) short and was not saved:\n"
            + "\n".join(g.en for g in proposal.gaps),
        )


@attrs.frozen
class CrewMember:
    """A member on a shift, as the roster shows them."""

    LABEL: ClassVar[Label] = Label("当班队员", "member on duty")

    member_id: UUID = attrs.field(metadata=label("巡逻队员", "member"))
    name: str = attrs.field(metadata=label("姓名", "name"))
    checked_in: bool = attrs.field(metadata=label("已签到", "checked in"))


@attrs.frozen
class RosterShift:
    """A saved shift with its route's name and its members, for showing the roster."""

    LABEL: ClassVar[Label] = Label("排班", "roster shift")

    shift: Shift = attrs.field(metadata=label("巡逻班次", "shift"))
    route: str = attrs.field(metadata=label("巡逻路线", "route"))
    crew: list[CrewMember] = attrs.field(metadata=label("当班队员", "members on duty"))


class Patrols:
    """Safety patrol operations in one unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    # -- setting up ---------------------------------------------------------------

    def add(self, *records: T) -> list[T]:
        """Store new teams, routes, patterns, periods, availability … (needs :data:`MANAGE`)."""
        self.uow.require(MANAGE)
        stored: list[T] = []
        # One batch per run of records of one type: one INSERT and one audit flush each.
        for model, batch in groupby(records, key=type):
            repo: Repository[T] = self.uow.repo(model)
            stored.extend(repo.add_many(batch))
        return stored

    def enlist(
        self, team: PatrolTeam, kind: MemberKind, record_id: UUID, *, joined_on: date | None = None
    ) -> PatrolMember:
        """Add the staff member, party member or resident ``record_id`` to ``team``.

        The member's name is taken from that record.
        """
        self.uow.require(MANAGE)
        model: type[Staff | PartyMember | Resident] = {
            MemberKind.STAFF: Staff,
            MemberKind.PARTY_MEMBER: PartyMember,
            MemberKind.VOLUNTEER: Resident,
        }[kind]
        record = self.uow.repo(model).get(record_id)
        member = new_member(team, kind, record_id, record.name, joined_on=joined_on)
        return self.uow.repo(PatrolMember).add(member)

    def add_route(self, route: PatrolRoute, building_ids: Sequence[UUID]) -> PatrolRoute:
        """Store a route and the buildings it passes, in walking order."""
        self.uow.require(MANAGE)
        stored = self.uow.repo(PatrolRoute).add(route)
        self.uow.repo(RouteBuilding).add_many(
            RouteBuilding(
                community_id=route.community_id, route_id=route.id, building_id=b, position=n
            )
            for n, b in enumerate(building_ids, start=1)
        )
        return stored

    def add_public_holidays(
        self, community_id: UUID, year: int, *, extra_members: int = 1, extra_shifts: bool = True
    ) -> list[SensitivePeriod]:
        """Add the year's public holidays (春节, 国庆节 …) as heightened periods.

        Periods already recorded (same name and first day) are left alone.

        :param year: 年份 / year.
        :param extra_members: 每班加派人数 / extra members a shift.
        :param extra_shifts: 增加加强班次 / add the heightened-only shifts.
        """
        self.uow.require(MANAGE)
        table = self.uow.repo(SensitivePeriod).table
        known = {
            (p.name, p.starts_on)
            for p in self.uow.repo(SensitivePeriod).find(table.c.community_id == community_id)
        }
        new = [
            SensitivePeriod(
                community_id=community_id,
                name=name,
                starts_on=first,
                ends_on=last,
                extra_members=extra_members,
                extra_shifts=extra_shifts,
                note="法定节假日 / public holiday",
            )
            for name, first, last in holiday_periods(year)
            if (name, first) not in known
        ]
        return self.uow.repo(SensitivePeriod).add_many(new)

    # -- rosters ------------------------------------------------------------------

    def propose(
        self,
        community_id: UUID,
        start: date,
        end: date,
        rules: RosterRules | None = None,
        *,
        new_id: Callable[[], UUID] = core.new_id,
    ) -> RosterProposal:
        """The roster of ``start``–``end`` for the shifts not saved yet; nothing is written.

        See :func:`~commons_safety_patrol.roster.plan_roster` for the rules and ``new_id``.
        """
        self.uow.require(MANAGE)
        rules = rules or RosterRules()
        check_period(start, end, rules)
        data = self._roster_data(community_id, start, end)
        return plan_roster(data, start, end, rules, new_id=new_id)

    def apply(self, proposal: RosterProposal, *, allow_gaps: bool = False) -> list[Shift]:
        """Save a proposal's shifts and members.

        Refuses with :class:`RosterIncomplete` when the proposal has gaps,
        unless ``allow_gaps``; refuses with a :class:`ValidationError` when a
        shift of the proposal was saved meanwhile.
        """
        self.uow.require(MANAGE)
        if proposal.gaps and not allow_gaps:
            raise RosterIncomplete(proposal)
        self._refuse_saved_meanwhile(proposal)
        shifts = self.uow.repo(Shift).add_many(p.shift for p in proposal.shifts)
        self.uow.repo(ShiftMember).add_many(
            ShiftMember(community_id=p.shift.community_id, shift_id=p.shift.id, member_id=m.id)
            for p in proposal.shifts
            for m in p.members
        )
        return shifts

    def _refuse_saved_meanwhile(self, proposal: RosterProposal) -> None:
        keys = [(p.shift.route_id, p.shift.night, p.shift.template_id) for p in proposal.shifts]
        if not keys:
            return
        query = select(shift.c.route_id, shift.c.night, shift.c.template_id).where(
            shift.c.community_id == proposal.community_id,
            shift.c.night.between(proposal.start, proposal.end),
        )
        taken = set(keys) & {tuple(r) for r in self.uow.connection.execute(query)}
        if taken:
            nights = ", ".join(sorted({str(night) for _, night, _ in taken}))
            raise ValidationError.single(
                "shifts",
                nights,
                "safety_patrol.roster_stale",
                f"这些日期的班次已由他人保存:{nights};请重新生成排班",
                f"shifts of these nights were saved meanwhile: {nights}; propose the roster again",
            )

    def _roster_data(self, community_id: UUID, start: date, end: date) -> RosterData:
        def of(model: type[T]) -> tuple[T, ...]:
            repo = self.uow.repo(model)
            return tuple(repo.find(repo.table.c.community_id == community_id))

        margin = timedelta(hours=MAX_MIN_REST_HOURS + 24)
        around = (
            shift.c.community_id == community_id,
            shift.c.starts_at < datetime.combine(end, datetime.min.time(), UTC) + margin,
            shift.c.ends_at > datetime.combine(start, datetime.min.time(), UTC) - margin,
        )
        shifts = self.uow.repo(Shift).find(*around)
        on_shifts = self.uow.repo(ShiftMember).find(
            shift_member.c.community_id == community_id,
            shift_member.c.shift_id.in_(select(shift.c.id).where(*around)),
        )
        members_of: dict[UUID, list[UUID]] = {s.id: [] for s in shifts}
        for item in on_shifts:
            members_of[item.shift_id].append(item.member_id)
        return RosterData(
            community_id=community_id,
            routes=of(PatrolRoute),
            templates=of(ShiftTemplate),
            periods=of(SensitivePeriod),
            members=of(PatrolMember),
            windows=of(AvailabilityWindow),
            unavailable=of(Unavailability),
            existing=tuple((s, tuple(members_of[s.id])) for s in shifts),
        )

    # -- on patrol ----------------------------------------------------------------

    def check_in(
        self,
        shift_id: UUID,
        member_id: UUID,
        *,
        at: datetime | None = None,
        building_id: UUID | None = None,
        note: str | None = None,
    ) -> CheckIn:
        """Record that a member on a shift checked in (at a building, with a note).

        The member must be on the shift, and the time within the shift
        (with :data:`CHECK_IN_GRACE` either side).

        :param shift_id: 班次编号 / shift id.
        :param member_id: 队员 / the member checking in.
        :param at: 签到时间(默认现在)/ when (default now), ISO 8601.
        :param building_id: 签到楼栋 / the building checked in at.
        :param note: 备注 / note.
        """
        self.uow.require(CHECK_IN)
        found = self.uow.repo(Shift).get(shift_id)
        at = at or datetime.now(UTC)
        on_shift = self.uow.repo(ShiftMember).count(
            shift_member.c.community_id == found.community_id,
            tuple_(shift_member.c.shift_id, shift_member.c.member_id) == (shift_id, member_id),
        )
        if not on_shift:
            raise ValidationError.single(
                "member_id",
                str(member_id),
                "safety_patrol.not_on_shift",
                "该队员不在此班次的排班中",
                "this member is not on the roster of this shift",
            )
        if at.tzinfo is not None and not (
            found.starts_at - CHECK_IN_GRACE <= at <= found.ends_at + CHECK_IN_GRACE
        ):
            raise ValidationError.single(
                "checked_in_at",
                at.isoformat(),
                "safety_patrol.outside_shift",
                f"签到时间不在班次时间内(前后可宽限 {_hours(CHECK_IN_GRACE)} 小时)",
                f"the check-in is outside the shift ({_hours(CHECK_IN_GRACE)} h grace either side)",
            )
        if self.uow.repo(CheckIn).count(
            check_in_table.c.community_id == found.community_id,
            check_in_table.c.shift_id == shift_id,
            check_in_table.c.member_id == member_id,
        ):
            raise ValidationError.single(
                "member_id",
                str(member_id),
                "safety_patrol.already_checked_in",
                "该队员已在此班次签到",
                "this member has already checked in on this shift",
            )
        return self.uow.repo(CheckIn).add(
            CheckIn(
                community_id=found.community_id,
                shift_id=shift_id,
                member_id=member_id,
                checked_in_at=at,
                building_id=building_id,
                note=note,
            )
        )

    def add_period(self, period: SensitivePeriod) -> SensitivePeriod:
        """Add a named sensitive period (两会安保 …) with heightened rosters."""
        return self.add(period)[0]

    def report_incident(self, incident: Incident) -> Incident:
        """Record an incident a patrol found; a shift's route is filled in when not given."""
        self.uow.require(CHECK_IN)
        if incident.shift_id is not None and incident.route_id is None:
            found = self.uow.repo(Shift).get(incident.shift_id)
            incident = attrs.evolve(incident, route_id=found.route_id)
        return self.uow.repo(Incident).add(incident)

    def follow_up(
        self,
        incident_id: UUID,
        status: FollowUpStatus,
        *,
        follow_up: str | None = None,
        closed_on: date | None = None,
    ) -> Incident:
        """Move an incident's follow-up on; resolving it needs the day it was closed.

        :param incident_id: 问题编号 / the incident's id.
        :param status: 处理状态 / status:
        :param follow_up: 处理情况 / what was done.
        :param closed_on: 办结日期 / closed on.
        """
        self.uow.require(MANAGE)
        current = self.uow.repo(Incident).get(incident_id)
        changes: dict[str, Any] = {"status": status, "closed_on": closed_on}
        if follow_up is not None:
            changes["follow_up"] = follow_up
        return self.uow.repo(Incident).update(attrs.evolve(current, **changes))

    # -- reading the roster ---------------------------------------------------------

    def night(self, community_id: UUID, night: date | None = None) -> list[RosterShift]:
        """The saved shifts of one night (default today), with members and check-ins.

        :param night: 日期(默认今天)/ night (default today).
        """
        day = night or self.uow.rule_context.today
        return self.roster(community_id, day, day)

    def roster(self, community_id: UUID, start: date, end: date) -> list[RosterShift]:
        """The saved shifts of the nights ``start``–``end``, by start, with members and check-ins.

        Four statements whatever the period: shifts, their members, check-ins, names.
        """
        found = self.uow.repo(Shift).find(
            shift.c.community_id == community_id,
            shift.c.night >= start,
            shift.c.night <= end,
            order_by=[shift.c.starts_at, shift.c.route_id],
        )
        ids = [s.id for s in found]
        on = self.uow.repo(ShiftMember).find(
            shift_member.c.community_id == community_id, shift_member.c.shift_id.in_(ids)
        )
        done = {
            (c.shift_id, c.member_id)
            for c in self.uow.repo(CheckIn).find(
                check_in_table.c.community_id == community_id,
                check_in_table.c.shift_id.in_(ids),
            )
        }
        wanted = {m.member_id for m in on}
        names = {
            m.id: m.name
            for m in self.uow.repo(PatrolMember).find(
                self.uow.repo(PatrolMember).table.c.community_id == community_id
            )
            if m.id in wanted
        }
        routes = {
            r.id: r.name
            for r in self.uow.repo(PatrolRoute).find(
                self.uow.repo(PatrolRoute).table.c.community_id == community_id
            )
        }
        crews: dict[UUID, list[CrewMember]] = {s.id: [] for s in found}
        for item in on:
            crews[item.shift_id].append(
                CrewMember(
                    item.member_id,
                    names.get(item.member_id, ""),
                    (item.shift_id, item.member_id) in done,
                )
            )
        return [
            RosterShift(s, routes.get(s.route_id, ""), sorted(crews[s.id], key=lambda c: c.name))
            for s in found
        ]

    # -- finding records by name ----------------------------------------------------

    def named(self, model: type[T], community_id: UUID, name_or_id: str) -> T:
        """The record of ``model`` in the community with this name (or id)."""
        repo = self.uow.repo(model)
        try:
            return repo.get(UUID(name_or_id))
        except ValueError:
            pass
        matches = repo.find(
            repo.table.c.community_id == community_id, repo.table.c.name == name_or_id.strip()
        )
        if len(matches) != 1:
            label = getattr(model, "LABEL", Label(model.__name__, model.__name__))
            if matches:
                raise ValidationError.single(
                    "name",
                    name_or_id,
                    "safety_patrol.ambiguous",
                    f"有 {len(matches)} 个名为 {name_or_id} 的{label.zh},请使用编号",
                    f"{len(matches)} {label.en} records are named {name_or_id}; use the id",
                )
            raise NotFound(repo.name, name_or_id)
        return matches[0]


def new_member(
    team: PatrolTeam,
    kind: MemberKind,
    record_id: UUID,
    name: str,
    *,
    joined_on: date | None = None,
    id: UUID | None = None,
) -> PatrolMember:
    """A member of ``team`` linked to the record of its ``kind`` (not stored yet)."""
    link = LINK_OF_KIND[kind]
    return PatrolMember(
        id=id or core.new_id(),
        community_id=team.community_id,
        team_id=team.id,
        kind=kind,
        name=name,
        staff_id=record_id if link == "staff_id" else None,
        party_member_id=record_id if link == "party_member_id" else None,
        resident_id=record_id if link == "resident_id" else None,
        joined_on=joined_on,
    )


def holiday_periods(year: int) -> list[tuple[str, date, date]]:
    """China's public holidays of ``year`` as named periods: ``("春节", first, last)``.

    Built on the ``holidays`` package (official dates and the State Council's
    substitute days off). Days off at most :data:`WEEKEND_BRIDGE_DAYS` apart
    form one period, which bridges the weekends inside a holiday; a period is named
    after its most frequent holiday (春节 rather than 农历除夕), and "补假" or
    "休息日" entries never name one.
    """
    days = holidays.country_holidays("CN", years=year, language="zh_CN")
    runs: list[list[tuple[date, str]]] = []
    for day, names in sorted(days.items()):
        if runs and (day - runs[-1][-1][0]).days <= WEEKEND_BRIDGE_DAYS:
            runs[-1].append((day, names))
        else:
            runs.append([(day, names)])
    periods = []
    for run in runs:
        counts: Counter[str] = Counter()
        for _, names in run:
            for name in names.split("; "):
                base = name.split("（")[0].split("(")[0].strip()
                if not base.startswith("休息日"):
                    counts[base] += 1
        if counts:
            name = counts.most_common(1)[0][0]
            periods.append((name, run[0][0], run[-1][0]))
    return periods


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:g}"
