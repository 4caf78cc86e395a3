"""Sample objects of every core model, generated once for the tests that need them."""

from __future__ import annotations

import random
import uuid
from datetime import date
from functools import cache
from typing import Any

from faker import Faker

from commons_core.demo.figures import CommunitySpec
from commons_core.demo.generate import CommunityData, generate_community
from commons_core.model import (
    Ethnicity,
    HouseholdRegistration,
    HouseholdStatus,
    HouseholdStatusChanged,
    KeyGroupCategory,
    KeyGroupFlag,
    LifeEvent,
    LifeEventKind,
    ResidentDeceased,
    ResidentMovedIn,
    ResidentMovedOut,
    ResidentRegistered,
)

TODAY = date(2026, 11, 27)

SMALL = CommunitySpec(
    key="small",
    name="样例社区",
    street_office="样例街道",
    district="朝阳区",
    city="北京市",
    area_code="110105",
    area_km2=None,
    founded_on=date(2001, 3, 1),
    office_area_m2=None,
    honours=("文明社区",),
    households=30,
    residents=80,
    minority_households=3,
    ethnicities=(Ethnicity.HAN, Ethnicity.HUI),
    residents_groups=2,
    grid_zones=2,
    compounds=2,
    buildings=4,
    gated_buildings=2,
    party_branches=(6,),
    floating_party_members=1,
    staff=6,
    partner_units=3,
    partner_agreements=2,
    service_points=7,
    floating_share=0.3,
)


@cache
def small_community() -> CommunityData:
    faker = Faker("zh_CN")
    faker.seed_instance(3)
    return generate_community(SMALL, random.Random(3), faker, TODAY)


def every_sample() -> list[Any]:
    """At least one instance of every core model and event class."""
    data = small_community()
    resident = data.residents[0]
    household = data.households[0]
    cid = data.community.id
    members = tuple(r for r in data.residents if r.household_id == household.id)
    return [
        data.street_office,
        data.community,
        data.residents_groups[0],
        data.grid_zones[0],
        data.compounds[0],
        data.buildings[0],
        household,
        resident,
        data.staff[0],
        data.party_branches[0],
        data.party_members[0],
        data.partner_units[0],
        data.service_points[0],
        data.service_points[0].opening_hours[0],
        data.committees[0],
        data.seats[0],
        HouseholdRegistration(household=household, members=members),
        KeyGroupFlag(community_id=cid, resident_id=resident.id, category=KeyGroupCategory.STUDENT),
        LifeEvent(
            id=uuid.uuid4(),
            community_id=cid,
            kind=LifeEventKind.MOVED_IN,
            occurred_on=TODAY,
            resident_id=resident.id,
        ),
        ResidentRegistered(
            community_id=cid,
            occurred_on=TODAY,
            resident_id=resident.id,
            birth_date=resident.birth_date,
        ),
        ResidentMovedIn(community_id=cid, occurred_on=TODAY, resident_id=resident.id),
        ResidentMovedOut(community_id=cid, occurred_on=TODAY, resident_id=resident.id),
        ResidentDeceased(community_id=cid, occurred_on=TODAY, resident_id=resident.id),
        HouseholdStatusChanged(
            community_id=cid,
            occurred_on=TODAY,
            household_id=household.id,
            before=frozenset({HouseholdStatus.LOW_INCOME}),
            after=frozenset(),
        ),
    ]
