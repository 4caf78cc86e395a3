"""The operations on a real database (SQLite, PostgreSQL): rosters, check-ins, incidents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4

import attrs
import pytest
from commons_safety_patrol import (
    CheckIn,
    FollowUpStatus,
    Incident,
    IncidentKind,
    MemberKind,
    PatrolMember,
    Patrols,
    RosterIncomplete,
    SensitivePeriod,
    Shift,
    ShiftMember,
    ShiftTemplate,
    holiday_periods,
)
from commons_safety_patrol.tables import shift, shift_member
from sqlalchemy import func, select

from commons_core import AccessDenied, Actor, ValidationError
from commons_core.reports import ReportParams
from commons_core.services import Commons

from .world import START, World, three_at_a_meeting

WEEK_END = START + timedelta(days=6)


def counts(commons: Commons, admin: Actor) -> tuple[int, int]:
    with commons.unit_of_work(admin, readonly=True) as uow:
        return uow.repo(Shift).count(), uow.repo(ShiftMember).count()


def test_a_proposal_is_saved_only_when_applied(
    commons: Commons, admin: Actor, world: World
) -> None:
    with commons.unit_of_work(admin) as uow:
        proposal = Patrols(uow).propose(world.community_id, START, WEEK_END)
    assert proposal.complete and len(proposal.shifts) == 14
    assert counts(commons, admin) == (0, 0)
    with commons.unit_of_work(admin) as uow:
        patrols = Patrols(uow)
        patrols.apply(patrols.propose(world.community_id, START, WEEK_END))
    assert counts(commons, admin) == (14, 14)
    # Planning the same week again keeps what is saved and adds nothing.
    with commons.unit_of_work(admin) as uow:
        again = Patrols(uow).propose(world.community_id, START, WEEK_END)
    assert again.kept == 14 and again.shifts == ()
    # The members of saved shifts rest: a longer roster respects them.
    with commons.unit_of_work(admin) as uow:
        longer = Patrols(uow).propose(world.community_id, START, WEEK_END + timedelta(days=7))
    assert longer.kept == 14 and len(longer.shifts) == 14


def test_a_roster_with_gaps_is_refused_unless_allowed(
    commons: Commons, admin: Actor, world: World
) -> None:
    three_at_a_meeting(commons, admin, world)
    with pytest.raises(RosterIncomplete) as caught, commons.unit_of_work(admin) as uow:
        patrols = Patrols(uow)
        patrols.apply(patrols.propose(world.community_id, START, WEEK_END))
    assert "2026-02-02" in caught.value.zh and "开会" in caught.value.zh
    assert "unavailable that day" in caught.value.en
    assert counts(commons, admin) == (0, 0)
    with commons.unit_of_work(admin) as uow:
        patrols = Patrols(uow)
        saved = patrols.apply(patrols.propose(world.community_id, START, WEEK_END), allow_gaps=True)
    assert len(saved) == 13


def test_a_roster_saved_meanwhile_is_not_saved_twice(
    commons: Commons, admin: Actor, world: World
) -> None:
    with commons.unit_of_work(admin) as uow:
        stale = Patrols(uow).propose(world.community_id, START, START)
    with commons.unit_of_work(admin) as uow:
        patrols = Patrols(uow)
        patrols.apply(patrols.propose(world.community_id, START, START))
    with (
        pytest.raises(ValidationError, match="saved meanwhile"),
        commons.unit_of_work(admin) as uow,
    ):
        Patrols(uow).apply(stale)
    assert counts(commons, admin) == (2, 2)


def roster(commons: Commons, admin: Actor, world: World) -> list[Shift]:
    with commons.unit_of_work(admin) as uow:
        patrols = Patrols(uow)
        return patrols.apply(patrols.propose(world.community_id, START, WEEK_END))


def crew(commons: Commons, admin: Actor, item: Shift) -> list[PatrolMember]:
    with commons.unit_of_work(admin, readonly=True) as uow:
        ids = [s.member_id for s in uow.repo(ShiftMember).find(shift_member.c.shift_id == item.id)]
        return [uow.repo(PatrolMember).get(i) for i in ids]


def test_check_in_only_by_a_member_on_the_shift_during_it(
    commons: Commons, admin: Actor, world: World
) -> None:
    first = roster(commons, admin, world)[0]
    (on,) = crew(commons, admin, first)
    off = next(m for m in world.members if m.id != on.id)
    during = first.starts_at + timedelta(minutes=10)
    with commons.unit_of_work(admin) as uow:
        done = Patrols(uow).check_in(
            first.id, on.id, at=during, building_id=world.buildings[0].id, note="一切正常"
        )
    assert done.checked_in_at == during and done.checked_in_at.tzinfo is not None
    with pytest.raises(ValidationError) as caught, commons.unit_of_work(admin) as uow:
        Patrols(uow).check_in(first.id, off.id, at=during)
    assert caught.value.problems[0].code == "safety_patrol.not_on_shift"
    with pytest.raises(ValidationError) as caught, commons.unit_of_work(admin) as uow:
        Patrols(uow).check_in(first.id, on.id, at=first.ends_at + timedelta(hours=3))
    assert caught.value.problems[0].code == "safety_patrol.outside_shift"
    with pytest.raises(ValidationError) as caught, commons.unit_of_work(admin) as uow:
        Patrols(uow).check_in(first.id, on.id, at=during)
    assert caught.value.problems[0].code == "safety_patrol.already_checked_in"
    # The database holds the same rule: a check-in refers to the shift assignment.
    with pytest.raises(ValidationError) as caught, commons.unit_of_work(admin) as uow:
        uow.repo(CheckIn).add(
            CheckIn(
                community_id=world.community_id,
                shift_id=first.id,
                member_id=off.id,
                checked_in_at=during,
            )
        )
    assert caught.value.problems[0].code == "reference.missing"
    # Check-ins are never changed.
    with pytest.raises(AccessDenied), commons.unit_of_work(admin) as uow:
        uow.repo(CheckIn).update(attrs.evolve(done, note="改"))


def test_times_need_zones_and_shifts_need_order(
    commons: Commons, admin: Actor, world: World
) -> None:
    naive = Shift(
        community_id=world.community_id,
        route_id=world.routes["东线"].id,
        night=START,
        starts_at=datetime(2026, 2, 2, 19, 30),
        ends_at=datetime(2026, 2, 2, 18, 30, tzinfo=UTC),
    )
    with pytest.raises(ValidationError) as caught, commons.unit_of_work(admin) as uow:
        uow.repo(Shift).add(naive)
    assert [p.code for p in caught.value.problems] == ["safety_patrol.zone_missing"]
    backwards = attrs.evolve(naive, starts_at=datetime(2026, 2, 2, 19, 30, tzinfo=UTC))
    with pytest.raises(ValidationError) as caught, commons.unit_of_work(admin) as uow:
        uow.repo(Shift).add(backwards)
    assert [p.code for p in caught.value.problems] == ["safety_patrol.shift_order"]
    bad_zone = ShiftTemplate(
        community_id=world.community_id,
        name="夜班",
        starts=time(20),
        ends=time(20),
        zone="Asia/Beijing",
    )
    with pytest.raises(ValidationError) as caught, commons.unit_of_work(admin) as uow:
        uow.repo(ShiftTemplate).add(bad_zone)
    assert [p.code for p in caught.value.problems] == ["safety_patrol.zone"]
    assert "Asia/Shanghai" in caught.value.problems[0].zh


def test_a_member_links_the_record_of_its_kind(
    commons: Commons, admin: Actor, world: World
) -> None:
    staff_member = world.members[0]
    assert staff_member.kind is MemberKind.STAFF and staff_member.staff_id is not None
    volunteer = world.members[3]
    wrong = attrs.evolve(volunteer, kind=MemberKind.STAFF, staff_id=None)
    with pytest.raises(ValidationError) as caught, commons.unit_of_work(admin) as uow:
        uow.repo(PatrolMember).add(attrs.evolve(wrong, id=uuid4()))
    assert {p.path for p in caught.value.problems} == {"staff_id", "resident_id"}
    assert all(p.code == "safety_patrol.member_link" for p in caught.value.problems)


def test_incidents_are_reported_and_followed_up(
    commons: Commons, admin: Actor, world: World
) -> None:
    first = roster(commons, admin, world)[0]
    found_at = first.starts_at + timedelta(minutes=40)
    with commons.unit_of_work(admin) as uow:
        incident = Patrols(uow).report_incident(
            Incident(
                community_id=world.community_id,
                kind=IncidentKind.FIRE_HAZARD,
                description="楼道内有电动车充电",
                occurred_at=found_at,
                shift_id=first.id,
                building_id=world.buildings[1].id,
            )
        )
    assert incident.route_id == first.route_id
    with pytest.raises(ValidationError) as caught, commons.unit_of_work(admin) as uow:
        Patrols(uow).follow_up(incident.id, FollowUpStatus.RESOLVED)
    assert caught.value.problems[0].code == "safety_patrol.closed_on"
    with commons.unit_of_work(admin) as uow:
        done = Patrols(uow).follow_up(
            incident.id,
            FollowUpStatus.RESOLVED,
            follow_up="已通知物业清理",
            closed_on=found_at.date() + timedelta(days=1),
        )
    assert done.status is FollowUpStatus.RESOLVED and done.version == 1


def test_public_holidays_become_heightened_periods_once(
    commons: Commons, admin: Actor, world: World
) -> None:
    periods = {name: (first, last) for name, first, last in holiday_periods(2026)}
    assert periods["春节"] == (date(2026, 2, 16), date(2026, 2, 23))
    assert periods["国庆节"] == (date(2026, 10, 1), date(2026, 10, 7))
    assert "休息日" not in "".join(periods)
    with commons.unit_of_work(admin) as uow:
        added = Patrols(uow).add_public_holidays(world.community_id, 2026)
        again = Patrols(uow).add_public_holidays(world.community_id, 2026)
    assert len(added) == len(periods) and again == []
    # On 春节 nights every shift gets one more member.
    with commons.unit_of_work(admin) as uow:
        proposal = Patrols(uow).propose(world.community_id, date(2026, 2, 15), date(2026, 2, 16))
    needed = {(p.slot.night.day, p.slot.needed) for p in proposal.shifts}
    assert needed == {(15, 1), (16, 2)}
    assert all(
        isinstance(p.slot.period, SensitivePeriod)
        for p in proposal.shifts
        if p.slot.night.day == 16
    )


def test_permissions_cadre_manages_grid_worker_checks_in_auditor_reads(
    commons: Commons, admin: Actor, world: World, actor_for: Callable[..., Actor]
) -> None:
    first = roster(commons, admin, world)[0]
    (on,) = crew(commons, admin, first)
    zone = world.demo.data["small"].grid_zones[0].id
    cadre = actor_for("cadre", world.community_id)
    grid = actor_for("grid_worker", world.community_id, zone_id=zone)
    auditor = actor_for("auditor", world.community_id)
    with commons.unit_of_work(cadre) as uow:
        assert Patrols(uow).propose(world.community_id, START, WEEK_END).kept == 14
    for actor in (grid, auditor):
        with (
            pytest.raises(AccessDenied, match="safety_patrol:manage"),
            commons.unit_of_work(actor) as uow,
        ):
            Patrols(uow).propose(world.community_id, START, WEEK_END)
    with commons.unit_of_work(grid) as uow:
        Patrols(uow).check_in(first.id, on.id, at=first.starts_at)
        seen = uow.repo(Shift).count()
    assert seen == 14
    with (
        pytest.raises(AccessDenied, match="safety_patrol:check_in"),
        commons.unit_of_work(auditor) as uow,
    ):
        Patrols(uow).check_in(first.id, on.id, at=first.starts_at)
    with commons.unit_of_work(auditor, readonly=True) as uow:
        report = commons.reports["patrol-coverage"]
        community = uow.find_community(world.name)
        data = report.run(uow, community, ReportParams(start=START, end=WEEK_END)).data
    assert data["shifts_planned"] == 14 and data["shifts_checked_in"] == 1


def test_a_failed_apply_writes_nothing(commons: Commons, admin: Actor, world: World) -> None:
    with pytest.raises(RuntimeError), commons.unit_of_work(admin) as uow:
        patrols = Patrols(uow)
        patrols.apply(patrols.propose(world.community_id, START, WEEK_END))
        raise RuntimeError("crash after saving")
    with commons.unit_of_work(admin, readonly=True) as uow:
        total = uow.connection.execute(select(func.count()).select_from(shift)).scalar_one()
    assert total == 0
