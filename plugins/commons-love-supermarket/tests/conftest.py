"""Fixtures of the love supermarket's tests (the rest come from commons_core.testing).

``world`` is a small community with a supermarket that holds three items and
money, and four households of known statuses. Its set-up is dated the first
day of last month, so tests can sell in last month and in this one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
import pytest
from commons_love_supermarket import (
    Donor,
    DonorKind,
    LotLine,
    OrderLine,
    SaleRecord,
    SupermarketService,
    plugin,
)

from commons_core import (
    Actor,
    Gender,
    Household,
    HouseholdRegistration,
    HouseholdStatus,
    Resident,
)
from commons_core.demo import DemoContext
from commons_core.services import Commons

SET_UP_ON = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)
"""The first day of last month: when ``world``'s supermarket opened."""

STATUSES = {
    "low_income": {HouseholdStatus.LOW_INCOME},
    "hardship": {HouseholdStatus.HARDSHIP},
    "both": {HouseholdStatus.LOW_INCOME, HouseholdStatus.HARDSHIP},
    "disability": {HouseholdStatus.DISABILITY},
    "ordinary": set(),
}


@pytest.fixture
def commons_plugins() -> Mapping[str, object]:
    """The plugin under test."""
    return {"love_supermarket": plugin}


@attrs.frozen
class World:
    """What the ``world`` fixture made."""

    community_id: UUID
    zone_id: UUID
    opened_on: date
    items: dict[str, UUID]
    households: dict[str, UUID]
    household_nos: dict[str, str]
    context: DemoContext


def add_household(
    commons: Commons, actor: Actor, community_id: UUID, number: str, statuses: set[Any], **kw: Any
) -> Household:
    """A household of one member with ``statuses``."""
    with commons.unit_of_work(actor) as uow:
        registered = uow.households.register(
            HouseholdRegistration(
                household=Household(
                    community_id=community_id,
                    household_no=number,
                    statuses=frozenset(statuses),
                    **kw,
                ),
                members=(
                    Resident(
                        community_id=community_id,
                        name=f"住户{number}",
                        gender=Gender.FEMALE,
                        birth_date=date(1960, 5, 1),
                    ),
                ),
            )
        )
    return registered.household


@pytest.fixture
def world(commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext]) -> World:
    """A supermarket (no quota): 大米 20 袋 @45, 食用油 10 桶 @62.50, 鸡蛋 10 盒 @22; 1255 yuan."""
    context = demo_community(run_plugins=False)
    cid = context.communities["small"].id
    zone = context.data["small"].grid_zones[0].id
    households = {
        key: add_household(commons, admin, cid, f"LS{i:03d}", statuses, grid_zone_id=zone)
        for i, (key, statuses) in enumerate(STATUSES.items(), start=1)
    }
    with commons.unit_of_work(admin) as uow:
        shop = SupermarketService(uow)
        shop.configure(cid, opened_on=SET_UP_ON)
        items = {
            name: shop.add_item(cid, name, unit).id
            for name, unit in (("大米", "袋"), ("食用油", "桶"), ("鸡蛋", "盒"))
        }
        giver = Donor(kind=DonorKind.OTHER, name="爱心人士")
        shop.receive_money(cid, giver, Decimal("3000.00"), on=SET_UP_ON)
        shop.record_purchase(
            cid,
            supplier="惠民粮油店",
            lines=[
                LotLine(item_id=items["大米"], quantity=20, unit_cost=Decimal("45.00")),
                LotLine(item_id=items["食用油"], quantity=10, unit_cost=Decimal("62.50")),
                LotLine(item_id=items["鸡蛋"], quantity=10, unit_cost=Decimal("22.00")),
            ],
            on=SET_UP_ON,
        )
    return World(
        community_id=cid,
        zone_id=zone,
        opened_on=SET_UP_ON,
        items=items,
        households={k: h.id for k, h in households.items()},
        household_nos={k: h.household_no for k, h in households.items()},
        context=context,
    )


@pytest.fixture
def order(world: World) -> Callable[..., list[OrderLine]]:
    """Order lines by item name: ``order({"大米": 2, "鸡蛋": 1}, prices={"鸡蛋": "20.00"})``."""

    def make(
        quantities: Mapping[str, int], prices: Mapping[str, str] | None = None
    ) -> list[OrderLine]:
        prices = prices or {}
        return [
            OrderLine(
                item_id=world.items[name],
                quantity=quantity,
                unit_price=Decimal(prices[name]) if name in prices else None,
            )
            for name, quantity in quantities.items()
        ]

    return make


@pytest.fixture
def clerk(world: World, actor_for: Callable[..., Actor]) -> Actor:
    """The supermarket's clerk in ``world``'s community."""
    return actor_for("clerk", world.community_id)


@pytest.fixture
def sell(
    commons: Commons, world: World, clerk: Actor, order: Callable[..., list[OrderLine]]
) -> Callable[..., SaleRecord]:
    """Sell in a unit of work of its own: ``sell("low_income", {"大米": 2}, on=day)``."""

    def run(
        household: str,
        quantities: Mapping[str, int],
        *,
        prices: Mapping[str, str] | None = None,
        on: date | None = None,
        actor: Actor | None = None,
    ) -> SaleRecord:
        with commons.unit_of_work(actor or clerk) as uow:
            return SupermarketService(uow).sell(
                world.households[household], order(quantities, prices), on=on
            )

    return run
