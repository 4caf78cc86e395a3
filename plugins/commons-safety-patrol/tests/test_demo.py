"""The demo: 文化路社区's two patrol staff and volunteers cover its 23 buildings every night."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from commons_safety_patrol import (
    MemberKind,
    PatrolMember,
    PatrolRoute,
    RouteBuilding,
    Shift,
    ShiftMember,
    plugin,
)
from commons_safety_patrol.demo import PAST_DAYS
from sqlalchemy import func, select

from commons_core import Actor, Staff
from commons_core.reports import ReportParams
from commons_core.services import Commons
from commons_core.testing import assert_no_schema_drift, backend_params, loaded_demo


@pytest.fixture(scope="module", params=backend_params())
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Commons]:
    """The whole demo (three communities) with this plugin, loaded once per backend."""
    plugins = {"safety_patrol": plugin}
    with loaded_demo(request.param, tmp_path_factory.mktemp("demo"), plugins, seed=5) as commons:
        yield commons


def coverage(commons: Commons, name: str) -> dict[str, Any]:
    with commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        community = uow.find_community(name)
        data: dict[str, Any] = (
            commons.reports["patrol-coverage"].run(uow, community, ReportParams()).data
        )
    return data


def test_the_branch_migrates_without_drift(demo: Commons) -> None:
    assert_no_schema_drift(demo)


def test_wenhualu_two_patrol_staff_and_volunteers(demo: Commons) -> None:
    with demo.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        community = uow.find_community("文化路社区")
        members = uow.repo(PatrolMember).find(
            uow.repo(PatrolMember).table.c.community_id == community.id
        )
        staff = [m for m in members if m.kind is MemberKind.STAFF]
        assert len(staff) == 2
        for member in staff:
            assert member.staff_id is not None
            assert uow.repo(Staff).get(member.staff_id).position == "专职巡逻员"
        kinds = {m.kind for m in members}
        assert kinds == {MemberKind.STAFF, MemberKind.PARTY_MEMBER, MemberKind.VOLUNTEER}


@pytest.mark.parametrize(
    ("name", "buildings"), [("文化路社区", 23), ("天鹤社区", 35), ("慈溪社区", 30)]
)
def test_routes_cover_every_building_once(demo: Commons, name: str, buildings: int) -> None:
    with demo.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        community = uow.find_community(name)
        rb = uow.scoped(RouteBuilding)
        on_routes = uow.connection.execute(
            select(func.count(), func.count(func.distinct(rb.c.building_id))).where(
                rb.c.community_id == community.id
            )
        ).one()
    assert tuple(on_routes) == (buildings, buildings)


def test_wenhualu_coverage_report_has_the_recent_weeks(demo: Commons) -> None:
    data = coverage(demo, "文化路社区")
    routes = len(data["routes"])
    assert routes == 3
    assert data["shifts_planned"] == PAST_DAYS * routes
    assert data["buildings_not_covered"] == []
    assert all(r["nights_without_shift"] == [] for r in data["routes"])
    assert 0.85 <= data["check_in_rate"] < 1
    assert data["heightened_shifts"] == 7 * routes
    assert data["incidents"]["total"] > 0
    hours = {m["member"]: m["hours_planned"] for m in data["members"] if m["kind"] == "staff"}
    assert len(hours) == 2 and all(h > 0 for h in hours.values())


def test_every_demo_shift_is_fully_staffed(demo: Commons) -> None:
    with demo.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        s = uow.scoped(Shift)
        r = uow.scoped(PatrolRoute)
        sm = uow.scoped(ShiftMember)
        crew = select(sm.c.shift_id, func.count().label("n")).group_by(sm.c.shift_id).subquery()
        short = uow.connection.execute(
            select(func.count())
            .select_from(s.join(r, r.c.id == s.c.route_id).join(crew, crew.c.shift_id == s.c.id))
            .where(crew.c.n < r.c.members_per_shift)
        ).scalar_one()
        total = uow.connection.execute(select(func.count()).select_from(s)).scalar_one()
    assert total > 300 and short == 0
