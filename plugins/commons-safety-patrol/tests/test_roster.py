"""Roster generation: each rule holds, and a roster that cannot hold says which rule blocked it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import attrs
import pytest
from commons_safety_patrol import BlockedBy, RosterRules, Shift, plan_roster
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commons_core import ValidationError

from .helpers import (
    COMMUNITY,
    MONDAY,
    leave,
    member,
    pattern,
    period,
    roster_data,
    route,
    violations,
    window,
)

WEEK_END = MONDAY + timedelta(days=6)


def test_every_route_is_covered_every_night_with_its_members() -> None:
    routes = [route("东线", per_shift=2), route("西线", per_shift=2)]
    evening = pattern()
    people = [member(n) for n in ("甲", "乙", "丙", "丁")]
    data = roster_data(routes, [evening], people)
    proposal = plan_roster(data, MONDAY, WEEK_END, RosterRules())
    assert proposal.complete and proposal.kept == 0
    covered = {(p.slot.night, p.slot.route.name) for p in proposal.shifts}
    nights = [MONDAY + timedelta(days=n) for n in range(7)]
    assert covered == {(n, r.name) for n in nights for r in routes}
    assert all(len(p.members) == 2 for p in proposal.shifts)
    assert violations(proposal, data) == []
    # Saved shifts carry the plan: route, night, pattern, zone-aware times.
    first = proposal.shifts[0].shift
    assert first.community_id == COMMUNITY and first.template_id == evening.id
    assert first.starts_at.utcoffset() == timedelta(hours=8)
    assert first.starts_at.astimezone(UTC) == datetime(2026, 2, 2, 11, 30, tzinfo=UTC)


def test_load_is_shared_fairly() -> None:
    people = [member(n) for n in ("甲", "乙", "丙", "丁")]
    data = roster_data([route("东线")], [pattern()], people)
    proposal = plan_roster(data, MONDAY, MONDAY + timedelta(days=27), RosterRules())
    counts = {m.name: 0 for m in people}
    for planned in proposal.shifts:
        for who in planned.members:
            counts[who.name] += 1
    assert set(counts.values()) == {7}


def test_no_member_is_on_two_overlapping_shifts() -> None:
    solo = member("独行侠")
    data = roster_data([route("东线"), route("西线")], [pattern()], [solo])
    proposal = plan_roster(data, MONDAY, MONDAY, RosterRules(min_rest_hours=0))
    assert len(proposal.shifts) == 1 and len(proposal.gaps) == 1
    gap = proposal.gaps[0]
    assert [b.rule for b in gap.blocks] == [BlockedBy.OVERLAP]
    assert "2026-02-02" in gap.zh and gap.slot.route.name in gap.zh
    assert "与其他班次时间重叠" in gap.zh and "overlapping shift" in gap.en


def test_members_rest_between_shifts() -> None:
    early_late = [pattern(), pattern("深夜巡逻", time(23, 0), time(1, 0))]
    solo = member("独行侠")
    data = roster_data([route("东线")], early_late, [solo])
    tight = plan_roster(data, MONDAY, MONDAY, RosterRules(min_rest_hours=8))
    assert len(tight.gaps) == 1
    (block,) = tight.gaps[0].blocks
    assert block.rule is BlockedBy.REST
    assert "0.5" in block.zh and "8" in block.zh and "at least 8 h" in block.en
    loose = plan_roster(data, MONDAY, MONDAY, RosterRules(min_rest_hours=0))
    assert loose.complete and len(loose.shifts) == 2
    # Rest also holds from one night to the next: 22:30 to 19:30 is 21 hours,
    # so with 22 hours of rest the second night only has the late shift.
    two = plan_roster(data, MONDAY, MONDAY + timedelta(days=1), RosterRules(min_rest_hours=22))
    assert [(p.slot.night.day, p.slot.template.name) for p in two.shifts] == [
        (2, "晚间巡逻"),
        (3, "深夜巡逻"),
    ]
    second_evening = next(g for g in two.gaps if g.slot.night.day == 3)
    assert "只间隔 21 小时" in second_evening.blocks[0].zh


def test_sensitive_periods_heighten_the_roster() -> None:
    people = [member(n) for n in "甲乙丙丁戊己"]
    patterns = [pattern(), pattern("深夜巡逻", time(23, 0), time(1, 0), heightened_only=True)]
    spring = period("春节", MONDAY + timedelta(days=1), MONDAY + timedelta(days=2), extra=1)
    data = roster_data([route("东线", per_shift=2)], patterns, people, periods=[spring])
    proposal = plan_roster(data, MONDAY, MONDAY + timedelta(days=3), RosterRules())
    assert proposal.complete
    by_night: dict[object, list[tuple[str, int]]] = {}
    for planned in proposal.shifts:
        by_night.setdefault(planned.slot.night, []).append(
            (planned.slot.template.name, len(planned.members))
        )
        assert planned.shift.heightened is (planned.slot.period is not None)
        assert planned.shift.period_id == (spring.id if planned.shift.heightened else None)
    assert by_night[MONDAY] == [("晚间巡逻", 2)]
    assert by_night[MONDAY + timedelta(days=1)] == [("晚间巡逻", 3), ("深夜巡逻", 3)]
    assert by_night[MONDAY + timedelta(days=3)] == [("晚间巡逻", 2)]
    assert violations(proposal, data) == []


def test_a_period_without_extra_shifts_only_adds_members() -> None:
    people = [member(n) for n in "甲乙丙丁"]
    patterns = [pattern(), pattern("深夜巡逻", time(23, 0), time(1, 0), heightened_only=True)]
    campaign = period("冬季专项", MONDAY, MONDAY, extra=2, shifts=False)
    data = roster_data([route("东线")], patterns, people, periods=[campaign])
    proposal = plan_roster(data, MONDAY, MONDAY, RosterRules())
    assert [(p.slot.template.name, len(p.members)) for p in proposal.shifts] == [("晚间巡逻", 3)]


def test_leave_and_availability_windows_are_respected_and_explained() -> None:
    on_leave = member("请假者")
    weekends = member("周末志愿者")
    data = roster_data(
        [route("东线")],
        [pattern()],
        [on_leave, weekends],
        windows=[window(weekends, "6,7", time(19, 0), time(23, 0))],
        unavailable=[leave(on_leave, MONDAY, MONDAY + timedelta(days=2), "住院")],
    )
    proposal = plan_roster(data, MONDAY, WEEK_END, RosterRules())
    assert violations(proposal, data) == []
    staffed = {p.slot.night.isoweekday(): p.members[0].name for p in proposal.shifts}
    assert staffed == {4: "请假者", 5: "请假者", 6: "周末志愿者", 7: "周末志愿者"}
    assert len(proposal.gaps) == 3
    rules = {b.member.name: b for b in proposal.gaps[0].blocks}
    assert rules["请假者"].rule is BlockedBy.UNAVAILABLE and "住院" in rules["请假者"].zh
    assert rules["周末志愿者"].rule is BlockedBy.WINDOW
    assert "星期六、星期日 19:00–23:00" in rules["周末志愿者"].zh
    assert "Sat/Sun 19:00–23:00" in rules["周末志愿者"].en


def test_a_window_across_midnight_holds_a_late_shift() -> None:
    owl = member("夜猫子")
    late = pattern("深夜巡逻", time(23, 0), time(1, 0))
    data = roster_data(
        [route("东线")], [late], [owl], windows=[window(owl, "1", time(22, 0), time(2, 0))]
    )
    proposal = plan_roster(data, MONDAY, MONDAY + timedelta(days=1), RosterRules())
    assert [p.slot.night for p in proposal.shifts] == [MONDAY]
    assert [g.slot.night for g in proposal.gaps] == [MONDAY + timedelta(days=1)]


def test_routes_of_a_team_take_only_its_members() -> None:
    other_team = attrs.evolve(member("外队"), team_id=COMMUNITY)
    ours = member("本队")
    team_route = route("党员线", team_id=ours.team_id)
    data = roster_data([team_route], [pattern()], [other_team, ours])
    proposal = plan_roster(data, MONDAY, MONDAY + timedelta(days=2), RosterRules(min_rest_hours=0))
    assert {p.members[0].name for p in proposal.shifts} == {"本队"}


def test_the_search_backtracks_where_the_greedy_choice_fails() -> None:
    # 东线 needs two of anyone, 党员线 one of 甲/乙. The least-loaded choice for
    # 东线 is 甲 and 乙 (丙 patrolled last week), which leaves 党员线 with nobody:
    # the search takes that choice back and gives 东线 丙 and one of them instead.
    a, b = member("甲"), member("乙")
    c = attrs.evolve(member("丙"), team_id=COMMUNITY)
    east = route("东线", per_shift=2)
    party = route("党员线", team_id=a.team_id)
    before = Shift(
        community_id=COMMUNITY,
        route_id=east.id,
        night=MONDAY - timedelta(days=3),
        starts_at=datetime(2026, 1, 30, 11, 30, tzinfo=UTC),
        ends_at=datetime(2026, 1, 30, 14, 30, tzinfo=UTC),
    )
    data = roster_data([east, party], [pattern()], [a, b, c], existing=[(before, (c.id,))])
    proposal = plan_roster(data, MONDAY, MONDAY, RosterRules())
    assert proposal.complete
    crews = {p.slot.route.name: {m.name for m in p.members} for p in proposal.shifts}
    assert "丙" in crews["东线"] and len(crews["东线"]) == 2
    assert crews["党员线"] <= {"甲", "乙"} and len(crews["党员线"]) == 1
    assert violations(proposal, data) == []


def test_saved_shifts_are_kept_and_their_members_rest() -> None:
    solo = member("独行侠")
    east = route("东线")
    evening = pattern()
    first = plan_roster(
        roster_data([east], [evening], [solo]), MONDAY, MONDAY, RosterRules()
    ).shifts[0]
    saved = (first.shift, (solo.id,))
    data = roster_data([east], [evening], [solo], existing=[saved])
    again = plan_roster(data, MONDAY, MONDAY + timedelta(days=1), RosterRules(min_rest_hours=22))
    assert again.kept == 1
    assert [g.slot.night for g in again.gaps] == [MONDAY + timedelta(days=1)]
    assert again.gaps[0].blocks[0].rule is BlockedBy.REST


def test_the_same_input_gives_the_same_roster() -> None:
    people = [member(n) for n in "甲乙丙丁戊"]
    data = roster_data([route("东线", 2), route("西线", 2)], [pattern()], people)

    def names() -> list[tuple[object, ...]]:
        proposal = plan_roster(data, MONDAY, WEEK_END, RosterRules())
        return [
            (p.slot.night, p.slot.route.name, *(m.name for m in p.members)) for p in proposal.shifts
        ]

    assert names() == names()


@pytest.mark.parametrize(
    ("routes", "patterns", "people", "code"),
    [
        ([], [pattern()], [member("甲")], "safety_patrol.no_route"),
        ([route("东线", active=False)], [pattern()], [member("甲")], "safety_patrol.no_route"),
        (
            [route("东线")],
            [pattern(heightened_only=True)],
            [member("甲")],
            "safety_patrol.no_pattern",
        ),
        ([route("东线")], [pattern()], [member("甲", active=False)], "safety_patrol.no_member"),
    ],
)
def test_nothing_to_plan_is_a_clear_error(
    routes: list[object], patterns: list[object], people: list[object], code: str
) -> None:
    data = roster_data(routes, patterns, people)
    with pytest.raises(ValidationError) as caught:
        plan_roster(data, MONDAY, MONDAY, RosterRules())
    assert [p.code for p in caught.value.problems] == [code]


def test_a_bad_period_or_rest_is_refused() -> None:
    data = roster_data([route("东线")], [pattern()], [member("甲")])
    with pytest.raises(ValidationError, match="早于"):
        plan_roster(data, MONDAY, MONDAY - timedelta(days=1), RosterRules())
    with pytest.raises(ValidationError, match="92"):
        plan_roster(data, MONDAY, MONDAY + timedelta(days=92), RosterRules())
    with pytest.raises(ValidationError, match="minimum rest"):
        plan_roster(data, MONDAY, MONDAY, RosterRules(min_rest_hours=49))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    people=st.integers(1, 7),
    routes=st.integers(1, 3),
    per_shift=st.integers(1, 3),
    rest=st.integers(0, 24),
    days=st.lists(st.sets(st.integers(1, 7), min_size=1), min_size=7, max_size=7),
    late=st.booleans(),
    heightened=st.booleans(),
)
def test_any_roster_keeps_every_rule_or_reports_the_gap(
    people: int,
    routes: int,
    per_shift: int,
    rest: int,
    days: list[set[int]],
    late: bool,
    heightened: bool,
) -> None:
    members = [member(f"队员{n}") for n in range(people)]
    windows = [
        window(m, ",".join(map(str, sorted(days[n]))), time(18, 0), time(2, 0))
        for n, m in enumerate(members)
        if n % 2
    ]
    patterns = [pattern()]
    if late:
        patterns.append(pattern("深夜巡逻", time(23, 0), time(1, 0), heightened_only=True))
    periods = [period("国庆节", MONDAY + timedelta(days=2), MONDAY + timedelta(days=4))]
    data = roster_data(
        [route(f"线{n}", per_shift) for n in range(routes)],
        patterns,
        members,
        windows=windows,
        periods=periods if heightened else [],
    )
    proposal = plan_roster(data, MONDAY, WEEK_END, RosterRules(min_rest_hours=rest))
    assert violations(proposal, data) == []
    # Each route is covered every night, or the night is explained.
    slots = {(p.slot.night, p.slot.route.id, p.slot.template.id) for p in proposal.shifts}
    slots |= {(g.slot.night, g.slot.route.id, g.slot.template.id) for g in proposal.gaps}
    nights = [MONDAY + timedelta(days=n) for n in range(7)]
    evening = patterns[0]
    assert {(n, r.id, evening.id) for n in nights for r in data.routes} <= slots
    for gap in proposal.gaps:
        assert len(gap.assigned) + len(gap.blocks) == people
        assert gap.zh and gap.en
