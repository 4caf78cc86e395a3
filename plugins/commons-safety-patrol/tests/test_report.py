"""``patrol-coverage``: planned vs checked in, what was not covered, hours per member."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from commons_safety_patrol import FollowUpStatus, Incident, IncidentKind, Patrols

from commons_core import Actor
from commons_core.demo import DemoContext
from commons_core.reports import ReportParams
from commons_core.services import Commons
from commons_core.testing import count_statements

from .test_services import crew
from .world import START, World, make_world

WEEK_END = START + timedelta(days=6)


@pytest.fixture
def world(commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext]) -> World:
    """A week's roster; 东线 checked in Monday to Friday, 西线 on Monday only; two incidents."""
    made = make_world(commons, admin, demo_community)
    with commons.unit_of_work(admin) as uow:
        patrols = Patrols(uow)
        shifts = patrols.apply(patrols.propose(made.community_id, START, WEEK_END))
    east = made.routes["东线"].id
    walked = [
        s for s in shifts if (s.route_id == east and s.night.weekday() < 5) or s.night == START
    ]
    for item in walked:
        (on,) = crew(commons, admin, item)
        with commons.unit_of_work(admin) as uow:
            Patrols(uow).check_in(item.id, on.id, at=item.starts_at + timedelta(minutes=5))
    with commons.unit_of_work(admin) as uow:
        patrols = Patrols(uow)
        for n, status in enumerate((FollowUpStatus.OPEN, FollowUpStatus.RESOLVED)):
            patrols.report_incident(
                Incident(
                    community_id=made.community_id,
                    kind=IncidentKind.FIRE_HAZARD if n == 0 else IncidentKind.FACILITY,
                    description="楼道内有电动车充电" if n == 0 else "路灯不亮",
                    occurred_at=walked[n].starts_at + timedelta(minutes=30),
                    shift_id=walked[n].id,
                    status=status,
                    closed_on=walked[n].night + timedelta(days=1) if n else None,
                )
            )
    return made


def coverage(commons: Commons, world: World, **params: Any) -> dict[str, Any]:
    with commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        community = uow.find_community(world.name)
        result = commons.reports["patrol-coverage"].run(uow, community, ReportParams(**params))
    data: dict[str, Any] = result.data
    # The table: totals, each route, each member, each building not covered, incidents.
    sections = [row[0] for row in result.rows]
    assert sections.count("路线 / route") == len(data["routes"]) == 2
    assert sections.count("队员 / member") == len(data["members"]) == 4
    assert sections.count("未覆盖楼栋 / building not covered") == len(data["buildings_not_covered"])
    assert len(sections) == 1 + 2 + 4 + len(data["buildings_not_covered"]) + 1
    return data


def test_planned_against_checked_in(commons: Commons, world: World) -> None:
    data = coverage(commons, world, start=START, end=WEEK_END, as_of=WEEK_END + timedelta(1))
    assert (data["start"], data["end"]) == ("2026-02-02", "2026-02-08")
    assert data["shifts_planned"] == 14
    assert data["shifts_checked_in"] == 6
    assert data["shifts_missed"] == 8
    assert data["check_in_rate"] == round(6 / 14, 3)
    assert data["heightened_shifts"] == 0
    routes = {r["route"]: r for r in data["routes"]}
    assert routes["东线"]["buildings"] == 3 and routes["西线"]["buildings"] == 2
    assert routes["东线"]["nights_without_check_in"] == ["2026-02-07", "2026-02-08"]
    assert len(routes["西线"]["nights_without_check_in"]) == 6
    assert routes["东线"]["nights_without_shift"] == []
    assert sorted(data["routes_not_covered"]) == ["东线", "西线"]


def test_nights_not_yet_past_are_not_missed(commons: Commons, world: World) -> None:
    data = coverage(commons, world, start=START, end=WEEK_END, as_of=START + timedelta(days=1))
    assert data["shifts_missed"] == 0 and data["check_in_rate"] == 1.0
    assert data["routes_not_covered"] == []


def test_nights_without_a_shift_and_buildings_off_every_route(
    commons: Commons, world: World
) -> None:
    later = WEEK_END + timedelta(days=1)
    data = coverage(commons, world, start=START, end=later, as_of=START)
    for route in data["routes"]:
        assert route["nights_without_shift"] == [later.isoformat()]
    last = world.buildings[-1].name
    assert data["buildings_not_covered"] == [{"building": last, "reason": "no_route"}]
    # A period in which nothing was checked in leaves every building on a route uncovered.
    quiet = coverage(commons, world, start=WEEK_END, end=WEEK_END, as_of=later)
    reasons = {b["building"]: b["reason"] for b in quiet["buildings_not_covered"]}
    assert len(reasons) == len(world.buildings)
    assert reasons[last] == "no_route" and set(reasons.values()) == {"no_route", "no_check_in"}


def test_hours_per_member_and_incidents(commons: Commons, world: World) -> None:
    data = coverage(commons, world, start=START, end=WEEK_END, as_of=WEEK_END)
    members = data["members"]
    assert sum(m["shifts"] for m in members) == 14
    assert sum(m["shifts_checked_in"] for m in members) == 6
    for m in members:
        assert m["hours_planned"] == 3.0 * m["shifts"]
        assert m["hours_checked_in"] == 3.0 * m["shifts_checked_in"]
    assert {m["kind"] for m in members} == {"staff", "party_member", "volunteer"}
    incidents = data["incidents"]
    assert incidents["total"] == 2 and incidents["open"] == 1
    assert incidents["by_kind"]["fire_hazard"] == 1 and incidents["by_kind"]["theft"] == 0
    assert incidents["by_status"] == {"open": 1, "in_progress": 0, "referred": 0, "resolved": 1}


def test_the_number_of_statements_does_not_grow_with_the_data(
    commons: Commons, admin: Actor, world: World
) -> None:
    with count_statements(commons) as small:
        coverage(commons, world, start=START, end=START, as_of=START)
    with commons.unit_of_work(admin) as uow:
        patrols = Patrols(uow)
        patrols.apply(
            patrols.propose(world.community_id, WEEK_END + timedelta(1), START + timedelta(60))
        )
    with count_statements(commons) as large:
        data = coverage(commons, world, start=START, end=START + timedelta(60), as_of=START)
    assert data["shifts_planned"] == 2 * 61
    assert len(large) == len(small)
    assert sum("safety_patrol_shift" in s for s in small) <= 6


def test_the_report_is_scoped_to_the_actor(
    commons: Commons, world: World, actor_for: Callable[..., Actor]
) -> None:
    elsewhere = actor_for("auditor", uuid4())
    with commons.unit_of_work(elsewhere, readonly=True) as uow:
        community = world.demo.communities["small"]
        data = (
            commons.reports["patrol-coverage"]
            .run(uow, community, ReportParams(start=START, end=WEEK_END))
            .data
        )
    assert data["shifts_planned"] == 0 and data["members"] == []
