"""Demo data: red-armband patrols over every building, a roster and check-ins for recent weeks.

The source documents: 文化路社区 hired two patrol staff from the "4050"
re-employment group (从4050人员中选聘巡逻人员2名) to watch its 23 residential
buildings, and the party branch formed volunteer patrols (义务巡逻队). So every
demo community gets:

* a red-armband team (红袖标治安巡逻队) of the core demo's two ``专职巡逻员``
  staff and volunteer residents, and a party members' volunteer team (党员义务巡逻队);
* routes over all its buildings (about eight buildings a route, in number
  order) and a few lanes each;
* an evening patrol (19:30–22:30) every night, a late patrol (23:00–01:00)
  for holidays only, the public holidays of this year and next, and a
  winter campaign (冬季防火防盗专项巡逻) over recent nights with one more member a shift;
* availability windows and a few leaves;
* the roster from four weeks before the demo day to a week after it, made by
  the real roster generator, check-ins on past shifts (a few missed) and
  incidents with their follow-up.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from commons_core import RegistrationStatus, ResidentStatus

from .model import (
    AvailabilityWindow,
    CheckIn,
    FollowUpStatus,
    Incident,
    IncidentKind,
    MemberKind,
    PatrolMember,
    PatrolRoute,
    PatrolTeam,
    SensitivePeriod,
    Shift,
    ShiftTemplate,
    Unavailability,
    Weekday,
)
from .roster import RosterProposal
from .services import Patrols, new_member

if TYPE_CHECKING:
    from commons_core.demo import CommunityData, DemoContext
    from commons_core.services import UnitOfWork

__all__ = ["BUILDINGS_PER_ROUTE", "PAST_DAYS", "PATROL_POSITION", "add_demo_data"]

PATROL_POSITION = "专职巡逻员"
"""The position of the core demo's patrol staff."""
BUILDINGS_PER_ROUTE = 8
PAST_DAYS = 28
"""The demo roster starts this many days before the demo's day …"""
FUTURE_DAYS = 7
"""… and runs this many days after it."""
VOLUNTEERS_PER_ROUTE = 4
PARTY_MEMBERS_PER_ROUTE = 3
CHECK_IN_RATE = 0.93
"""Share of members who check in on a past shift (the rest forgot or did not come)."""
MISSED_SHIFT_RATE = 0.03
"""Share of past shifts on which nobody checked in."""
INCIDENT_RATE = 0.12
"""Incidents found per past shift."""
ROUTE_NAMES = ("东线", "中线", "西线", "北线", "南线", "环线")
INCIDENTS: dict[IncidentKind, tuple[str, ...]] = {
    IncidentKind.SAFETY_HAZARD: ("楼道堆放杂物,影响通行", "单元门禁损坏,门无法关闭"),
    IncidentKind.FIRE_HAZARD: ("楼道内有电动车充电", "消防通道被车辆占用"),
    IncidentKind.SUSPICIOUS: ("有陌生人在楼院内徘徊", "可疑车辆长时间停放"),
    IncidentKind.THEFT: ("居民反映自行车被盗",),
    IncidentKind.DISPUTE: ("邻里因噪音发生争执",),
    IncidentKind.FACILITY: ("路灯不亮", "井盖松动"),
    IncidentKind.OTHER: ("发现走失老人,已护送回家",),
}
LEAVE_REASONS = ("探亲", "住院", "外出")


def add_demo_data(uow: UnitOfWork, demo: DemoContext) -> None:
    """Add patrols to every demo community (文化路社区 first, in key order)."""
    for key in sorted(demo.data):
        _DemoPatrols(uow, demo, demo.data[key]).build()


class _DemoPatrols:
    """The patrols of one demo community."""

    def __init__(self, uow: UnitOfWork, demo: DemoContext, data: CommunityData) -> None:
        self.uow = uow
        self.patrols = Patrols(uow)
        self.rng = demo.rng
        self.faker = demo.faker
        self.today = demo.today
        self.data = data
        self.cid = data.community.id

    def new_id(self) -> UUID:
        """A reproducible id (drawn from the demo's generator)."""
        return UUID(int=self.rng.getrandbits(128), version=4)

    def build(self) -> None:
        """Write the community's patrols, roster, check-ins and incidents."""
        red, party = self._teams()
        routes = self._routes()
        members = self._members(red, party, len(routes))
        self._patterns()
        self._periods()
        self._availability(members)
        first, last = self.today - timedelta(days=PAST_DAYS), self.today + timedelta(FUTURE_DAYS)
        proposal = self.patrols.propose(self.cid, first, last, new_id=self.new_id)
        self.patrols.apply(proposal, allow_gaps=True)
        self._check_ins_and_incidents(proposal, routes)

    def _teams(self) -> tuple[PatrolTeam, PatrolTeam]:
        founded = self.today - timedelta(days=self.rng.randint(900, 3000))
        red = PatrolTeam(
            id=self.new_id(), community_id=self.cid, name="红袖标治安巡逻队", founded_on=founded
        )
        party = PatrolTeam(
            id=self.new_id(),
            community_id=self.cid,
            name="党员义务巡逻队",
            founded_on=founded + timedelta(days=self.rng.randint(30, 400)),
        )
        self.patrols.add(red, party)
        return red, party

    def _routes(self) -> list[tuple[PatrolRoute, list[UUID]]]:
        buildings = [b.id for b in self.data.buildings]
        count = max(1, round(len(buildings) / BUILDINGS_PER_ROUTE))
        routes = []
        for n in range(count):
            stops = buildings[n * len(buildings) // count : (n + 1) * len(buildings) // count]
            route = PatrolRoute(
                id=self.new_id(),
                community_id=self.cid,
                name=ROUTE_NAMES[n % len(ROUTE_NAMES)],
                lanes=tuple(sorted({self.faker.street_name() for _ in range(2)})),
            )
            self.patrols.add_route(route, stops)
            routes.append((route, stops))
        return routes

    def _members(self, red: PatrolTeam, party: PatrolTeam, routes: int) -> list[PatrolMember]:
        staff = [s for s in self.data.staff if s.position == PATROL_POSITION]
        party_ids = {p.resident_id for p in self.data.party_members}
        party_members = [p for p in self.data.party_members if p.resident_id is not None]
        volunteers = [
            r
            for r in self.data.residents
            if r.status is ResidentStatus.ACTIVE
            and r.registration_status is RegistrationStatus.PERMANENT
            and 35 <= r.age_on(self.today) <= 68
            and r.id not in party_ids
        ]
        picked_party = self.rng.sample(
            party_members, min(len(party_members), PARTY_MEMBERS_PER_ROUTE * routes)
        )
        picked_volunteers = self.rng.sample(
            volunteers, min(len(volunteers), VOLUNTEERS_PER_ROUTE * routes)
        )
        joined = self.today - timedelta(days=self.rng.randint(100, 800))
        records = [
            *(
                new_member(
                    red, MemberKind.STAFF, s.id, s.name, joined_on=s.hired_on, id=self.new_id()
                )
                for s in staff
            ),
            *(
                new_member(
                    party, MemberKind.PARTY_MEMBER, p.id, p.name, joined_on=joined, id=self.new_id()
                )
                for p in picked_party
            ),
            *(
                new_member(
                    red, MemberKind.VOLUNTEER, r.id, r.name, joined_on=joined, id=self.new_id()
                )
                for r in picked_volunteers
            ),
        ]
        return self.patrols.add(*records)

    def _patterns(self) -> None:
        self.patrols.add(
            ShiftTemplate(
                id=self.new_id(),
                community_id=self.cid,
                name="晚间巡逻",
                starts=time(19, 30),
                ends=time(22, 30),
            ),
            ShiftTemplate(
                id=self.new_id(),
                community_id=self.cid,
                name="深夜巡逻",
                starts=time(23, 0),
                ends=time(1, 0),
                heightened_only=True,
            ),
        )

    def _periods(self) -> None:
        for year in (self.today.year, self.today.year + 1):
            self.patrols.add_public_holidays(self.cid, year)
        self.patrols.add(
            SensitivePeriod(
                id=self.new_id(),
                community_id=self.cid,
                name="冬季防火防盗专项巡逻",
                starts_on=self.today - timedelta(days=10),
                ends_on=self.today - timedelta(days=4),
                extra_members=1,
                extra_shifts=False,
                note="街道统一部署 / set by the street office",
            )
        )

    def _availability(self, members: list[PatrolMember]) -> None:
        days = list(Weekday)
        records: list[AvailabilityWindow | Unavailability] = []
        for member in members:
            if member.kind is MemberKind.STAFF:
                # Full-time: every evening but one day off a week.
                weekdays = frozenset(days) - {self.rng.choice(days)}
                starts, ends = time(18, 0), time(0, 0)
            else:
                weekdays = frozenset(self.rng.sample(days, 4))
                starts, ends = time(19, 0), time(23, 30)
            records.append(
                AvailabilityWindow(
                    id=self.new_id(),
                    community_id=self.cid,
                    member_id=member.id,
                    weekdays=weekdays,
                    starts=starts,
                    ends=ends,
                )
            )
        for member in self.rng.sample(members, min(2, len(members))):
            first = self.today - timedelta(days=self.rng.randint(3, PAST_DAYS))
            records.append(
                Unavailability(
                    id=self.new_id(),
                    community_id=self.cid,
                    member_id=member.id,
                    starts_on=first,
                    ends_on=first + timedelta(days=self.rng.randint(2, 5)),
                    reason=self.rng.choice(LEAVE_REASONS),
                )
            )
        self.patrols.add(*records)

    def _check_ins_and_incidents(
        self,
        proposal: RosterProposal,
        routes: list[tuple[PatrolRoute, list[UUID]]],
    ) -> None:
        stops = {route.id: buildings for route, buildings in routes}
        check_ins: list[CheckIn] = []
        incidents: list[Incident] = []
        for planned in proposal.shifts:
            shift = planned.shift
            if shift.night >= self.today or self.rng.random() < MISSED_SHIFT_RATE:
                continue
            on_route = stops[shift.route_id]
            for member in planned.members:
                if self.rng.random() < CHECK_IN_RATE:
                    check_ins.append(
                        CheckIn(
                            id=self.new_id(),
                            community_id=self.cid,
                            shift_id=shift.id,
                            member_id=member.id,
                            checked_in_at=shift.starts_at
                            + timedelta(minutes=self.rng.randint(-5, 20)),
                            building_id=on_route[0],
                        )
                    )
            if self.rng.random() < INCIDENT_RATE:
                reporter = self.rng.choice(planned.members)
                incidents.append(self._incident(shift, self.rng.choice(on_route), reporter.id))
        self.uow.repo(CheckIn).add_many(check_ins)
        self.uow.repo(Incident).add_many(incidents)

    def _incident(self, shift: Shift, building_id: UUID, member_id: UUID) -> Incident:
        kind = self.rng.choice(list(INCIDENTS))
        found = shift.starts_at + timedelta(minutes=self.rng.randint(10, 170))
        age = (self.today - found.date()).days
        status, closed, follow_up = FollowUpStatus.OPEN, None, None
        if age > 7 or self.rng.random() < 0.5:
            status = FollowUpStatus.RESOLVED
            closed = min(self.today, found.date() + timedelta(days=self.rng.randint(0, 5)))
            follow_up = "已通知物业处理并复查 / property management fixed it; checked again"
        elif kind in (IncidentKind.THEFT, IncidentKind.SUSPICIOUS):
            status = FollowUpStatus.REFERRED
            follow_up = "已移交社区警务室 / referred to the community police office"
        elif self.rng.random() < 0.5:
            status = FollowUpStatus.IN_PROGRESS
        return Incident(
            id=self.new_id(),
            community_id=self.cid,
            kind=kind,
            description=self.rng.choice(INCIDENTS[kind]),
            occurred_at=found,
            route_id=shift.route_id,
            building_id=building_id,
            shift_id=shift.id,
            reported_by_id=member_id,
            status=status,
            follow_up=follow_up,
            closed_on=closed,
        )
