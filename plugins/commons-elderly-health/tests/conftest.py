"""Fixtures of the elderly health tests (the rest come from commons_core.testing).

``world`` is a small generated community (with its clinic) plus three residents
of known ages registered today: 张奶奶 (72), 李爷爷 (85) and 王阿姨 (58).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from uuid import UUID

import attrs
import pytest
from commons_elderly_health import plugin, years_before

from commons_core import (
    Actor,
    Gender,
    Household,
    HouseholdRegistration,
    PartnerUnit,
    PartnerUnitKind,
    RelationToHead,
    Resident,
)
from commons_core.demo import DemoContext
from commons_core.services import Commons

TODAY = date.today()
PEOPLE = {"张奶奶": 72, "李爷爷": 85, "王阿姨": 58}
"""The world's residents by name, with their age today."""


@pytest.fixture
def commons_plugins() -> Mapping[str, object]:
    """Only this plugin: other installed plugins cannot interfere."""
    return {"elderly_health": plugin}


@attrs.frozen
class World:
    """What the ``world`` fixture made."""

    community_id: UUID
    clinic_id: UUID
    school_id: UUID
    residents: dict[str, UUID]
    household_id: UUID
    context: DemoContext


def born(age: int) -> date:
    """A birth date making someone ``age`` today, away from a birthday."""
    return years_before(TODAY, age) - timedelta(days=100)


@pytest.fixture
def world(commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext]) -> World:
    """A small community without this plugin's demo data, and three residents of known ages."""
    context = demo_community(run_plugins=False)
    data = context.data["small"]
    cid = data.community.id
    clinic = next(p for p in data.partner_units if p.kind is PartnerUnitKind.HOSPITAL)
    school = next(p for p in data.partner_units if p.kind is not PartnerUnitKind.HOSPITAL)
    members = tuple(
        Resident(
            community_id=cid,
            name=name,
            gender=Gender.FEMALE,
            birth_date=born(age),
            relation_to_head=RelationToHead.HEAD if i == 0 else RelationToHead.OTHER,
        )
        for i, (name, age) in enumerate(PEOPLE.items())
    )
    with commons.unit_of_work(admin) as uow:
        registered = uow.households.register(
            HouseholdRegistration(
                household=Household(community_id=cid, household_no="EH001", address="健康路1号"),
                members=members,
            )
        )
    assert isinstance(clinic, PartnerUnit)
    return World(
        community_id=cid,
        clinic_id=clinic.id,
        school_id=school.id,
        residents={r.name: r.id for r in registered.members},
        household_id=registered.household.id,
        context=context,
    )


@pytest.fixture
def health_worker(world: World, actor_for: Callable[..., Actor]) -> Actor:
    """The community's health worker."""
    return actor_for("health_worker", world.community_id)
