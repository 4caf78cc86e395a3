"""Households and residents: registration, moves, deaths, statuses, and the events plugins get."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import attrs
import pytest

from commons_core import Actor, hookimpl
from commons_core.errors import ValidationError
from commons_core.model import (
    Community,
    Gender,
    Household,
    HouseholdRegistration,
    HouseholdStatus,
    HouseholdStatusChanged,
    LifeEventKind,
    RelationToHead,
    Resident,
    ResidentDeceased,
    ResidentMovedIn,
    ResidentMovedOut,
    ResidentRegistered,
    ResidentStatus,
)
from commons_core.services import Commons


class Recorder:
    """A plugin that records what it is told, inside and after the unit of work."""

    def __init__(self) -> None:
        self.inside: list[list[Any]] = []
        self.after: list[list[Any]] = []

    @hookimpl
    def commons_on_events(self, events: Any) -> None:
        self.inside.append(list(events))

    @hookimpl
    def commons_events_committed(self, events: Any) -> None:
        self.after.append(list(events))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def commons_plugins(recorder: Recorder) -> dict[str, object]:
    return {"recorder": recorder}


def new_family(community_id: uuid.UUID, size: int = 3) -> HouseholdRegistration:
    household = Household(community_id=community_id, household_no=f"F-{uuid.uuid4().hex[:5]}")
    members = [
        Resident(
            community_id=community_id,
            name="户主",
            gender=Gender.FEMALE,
            birth_date=date(1949, 12, 31),
            id_number="11010519491231002X",
        )
    ]
    members += [
        Resident(
            community_id=community_id,
            name=f"子女{i}",
            gender=Gender.MALE,
            birth_date=date(1980 + i, 1, 1),
            relation_to_head=RelationToHead.CHILD,
        )
        for i in range(size - 1)
    ]
    return HouseholdRegistration(household=household, members=tuple(members))


def test_registering_a_household_emits_one_batch(
    commons: Commons, admin: Actor, recorder: Recorder
) -> None:
    with commons.unit_of_work(admin) as uow:
        community = uow.repo(Community).add(Community(name="事件社区"))
        stored = uow.households.register(new_family(community.id, size=4))
    assert all(m.household_id == stored.household.id for m in stored.members)
    registered = [
        e for batch in recorder.inside for e in batch if isinstance(e, ResidentRegistered)
    ]
    assert len(registered) == 4
    assert (
        len([b for b in recorder.inside if any(isinstance(e, ResidentRegistered) for e in b)]) == 1
    )
    assert [type(e) for e in recorder.after[-1]].count(ResidentRegistered) == 4
    with commons.unit_of_work(admin, readonly=True) as uow:
        members = uow.households.members(stored.household.id)
    assert members[0].relation_to_head is RelationToHead.HEAD and len(members) == 4


def test_registration_problems_name_member_paths(commons: Commons, admin: Actor) -> None:
    with commons.unit_of_work(admin) as uow:
        community = uow.repo(Community).add(Community(name="校验社区"))
    family = new_family(community.id)
    members = list(family.members)
    members[2] = attrs.evolve(members[2], id_number="110105198101010011")
    with pytest.raises(ValidationError) as caught, commons.unit_of_work(admin) as uow:
        uow.households.register(attrs.evolve(family, members=tuple(members)))
    assert [str(p) for p in caught.value.problems] == [
        "members[2].id_number: 校验码错误 / check digit is wrong"
    ]


def test_moves_and_deaths_are_history_and_events(
    commons: Commons, admin: Actor, recorder: Recorder
) -> None:
    with commons.unit_of_work(admin) as uow:
        community = uow.repo(Community).add(Community(name="变动社区"))
        family = uow.households.register(new_family(community.id))
    head, child, _other = family.members
    with commons.unit_of_work(admin) as uow:
        uow.residents.move_out(uow.residents.get(child.id), on=date(2025, 3, 1), detail="迁往上海")
        uow.residents.mark_deceased(uow.residents.get(head.id), on=date(2025, 6, 1))
        newcomer = Resident(
            community_id=community.id,
            household_id=family.household.id,
            name="新成员",
            gender=Gender.FEMALE,
            birth_date=date(2001, 5, 5),
            relation_to_head=RelationToHead.OTHER,
        )
        uow.residents.move_in(newcomer, on=date(2025, 7, 1))
    kinds = [type(e) for e in recorder.after[-1]]
    assert {ResidentMovedOut, ResidentDeceased, ResidentMovedIn} <= set(kinds)
    with commons.unit_of_work(admin, readonly=True) as uow:
        gone = uow.residents.get(child.id)
        history = uow.residents.history(child.id)
        active = uow.households.members(family.household.id)
    assert (gone.status, gone.left_on) == (ResidentStatus.MOVED_OUT, date(2025, 3, 1))
    assert [(h.kind, h.detail) for h in history] == [(LifeEventKind.MOVED_OUT, "迁往上海")]
    assert {m.name for m in active} == {"子女1", "新成员"}


def test_status_changes_tell_plugins_what_was_lost(
    commons: Commons, admin: Actor, recorder: Recorder
) -> None:
    with commons.unit_of_work(admin) as uow:
        community = uow.repo(Community).add(Community(name="低保社区"))
        household = uow.households.add(
            Household(
                community_id=community.id,
                household_no="D-1",
                statuses=frozenset({HouseholdStatus.LOW_INCOME, HouseholdStatus.DISABILITY}),
            )
        )
    with commons.unit_of_work(admin) as uow:
        uow.households.set_statuses(uow.households.get(household.id), [HouseholdStatus.DISABILITY])
    changed = [e for e in recorder.after[-1] if isinstance(e, HouseholdStatusChanged)]
    assert len(changed) == 1
    assert changed[0].lost == frozenset({HouseholdStatus.LOW_INCOME})
    assert changed[0].gained == frozenset()


def test_events_after_commit_are_not_sent_when_rolled_back(
    commons: Commons, admin: Actor, recorder: Recorder
) -> None:
    with pytest.raises(RuntimeError), commons.unit_of_work(admin) as uow:
        community = uow.repo(Community).add(Community(name="回滚社区"))
        uow.households.register(new_family(community.id))
        raise RuntimeError("stop")
    assert recorder.after == []
