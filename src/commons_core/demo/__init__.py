"""The demo: the three communities of the source documents, generated to their figures.

``commons demo`` calls :func:`load_demo`, which writes the core's records,
lets every plugin add its own through ``commons_demo_data`` in the same unit
of work, and creates one user per role in 文化路社区 (:func:`demo_users`): the
core's and every plugin's, so a plugin's role can log in to the demo without a
line of its own.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

import attrs
from faker import Faker
from sqlalchemy import select

from commons_core.access import Actor, Role, Scope
from commons_core.demo.figures import DEMO_COMMUNITIES, WENHUALU, CommunitySpec
from commons_core.demo.generate import CommunityData, generate_community
from commons_core.model import (
    Building,
    Committee,
    Community,
    Compound,
    GridZone,
    Household,
    PartnerUnit,
    PartyBranch,
    PartyMember,
    Resident,
    ResidentsGroup,
    Seat,
    ServicePoint,
    Staff,
    StreetOffice,
)
from commons_core.services.users import UserService, new_password
from commons_core.storage.tables import community as community_table
from commons_core.storage.tables import street_office as street_office_table

if TYPE_CHECKING:
    from commons_core.services import Commons, UnitOfWork

__all__ = [
    "DEMO_COMMUNITIES",
    "DEMO_USERS",
    "CommunityData",
    "CommunitySpec",
    "DemoAlreadyLoaded",
    "DemoContext",
    "DemoResult",
    "demo_users",
    "load_demo",
    "store_community",
]

DEMO_USERS: tuple[tuple[str, str], ...] = (
    ("admin", "administrator"),
    ("cadre", "cadre"),
    ("grid-worker", "grid_worker"),
    ("auditor", "auditor"),
    ("resident", "resident"),
)
"""User name and role of the demo's users for the core's roles, all in 文化路社区."""


def demo_users(plugin_roles: Iterable[Role]) -> list[tuple[str, str]]:
    """User name and role of every demo user: :data:`DEMO_USERS`, then one per plugin role,
    named as the role with dashes (the love supermarket's ``clerk`` logs in as ``clerk``,
    elderly health's ``health_worker`` as ``health-worker``)."""
    users = list(DEMO_USERS)
    taken = {role for _, role in users}
    for role in plugin_roles:
        if role.name not in taken:
            taken.add(role.name)
            users.append((role.name.replace("_", "-"), role.name))
    return users


@attrs.frozen
class DemoContext:
    """What plugins get in ``commons_demo_data``.

    :ivar communities: the demo communities by key (``wenhualu``, ``tianhe``, ``cixi``).
    :ivar data: every core record generated for each community, by the same keys.
    :ivar rng: a random generator seeded from the demo's seed; draw from it only.
    :ivar faker: a ``zh_CN`` Faker seeded the same way.
    :ivar today: the demo's reference date.
    """

    communities: dict[str, Community]
    data: dict[str, CommunityData]
    rng: random.Random
    faker: Faker
    today: date
    seed: int


@attrs.frozen
class DemoResult:
    """What :func:`load_demo` made: the communities and the demo users' passwords."""

    communities: tuple[Community, ...]
    passwords: dict[str, str]


class DemoAlreadyLoaded(Exception):
    """The demo communities exist already; the demo is not loaded twice."""


def _exists(uow: UnitOfWork, spec: CommunitySpec) -> bool:
    query = (
        select(community_table.c.id)
        .join(street_office_table, community_table.c.street_office_id == street_office_table.c.id)
        .where(
            community_table.c.name == spec.name, street_office_table.c.name == spec.street_office
        )
    )
    return uow.connection.execute(query).first() is not None


def load_demo(
    commons: Commons, actor: Actor, *, seed: int = 2026, today: date | None = None
) -> DemoResult:
    """Generate and store the demo in one unit of work; raises :class:`DemoAlreadyLoaded`."""
    today = today or date.today()
    rng = random.Random(seed)
    faker = Faker("zh_CN")
    faker.seed_instance(seed)
    with commons.unit_of_work(actor) as uow:
        if any(_exists(uow, spec) for spec in DEMO_COMMUNITIES):
            raise DemoAlreadyLoaded
        data = {spec.key: generate_community(spec, rng, faker, today) for spec in DEMO_COMMUNITIES}
        for generated in data.values():
            store_community(uow, generated)
        context = DemoContext(
            communities={k: d.community for k, d in data.items()},
            data=data,
            rng=random.Random(rng.getrandbits(64)),
            faker=faker,
            today=today,
            seed=seed,
        )
        commons.host.demo_data(uow, context)
        passwords = _users(uow, data[WENHUALU.key], demo_users(commons.host.roles()))
    return DemoResult(tuple(d.community for d in data.values()), passwords)


def store_community(uow: UnitOfWork, data: CommunityData) -> None:
    """Store every core record of one generated community."""
    uow.repo(StreetOffice).add(data.street_office)
    uow.repo(Community).add(data.community)
    # Zones name their owners, and staff their zones: store zones first without owners.
    zones = [attrs.evolve(z, owner_staff_id=None) for z in data.grid_zones]
    uow.repo(ResidentsGroup).add_many(data.residents_groups)
    uow.repo(GridZone).add_many(zones)
    uow.repo(Compound).add_many(data.compounds)
    uow.repo(Building).add_many(data.buildings)
    uow.repo(Household).add_many(data.households)
    uow.repo(Resident).add_many(data.residents)
    uow.repo(Staff).add_many(data.staff)
    stored_zones = {z.id: z for z in uow.repo(GridZone).find()}
    for zone in data.grid_zones:
        if zone.owner_staff_id is not None:
            current = stored_zones[zone.id]
            uow.repo(GridZone).update(attrs.evolve(current, owner_staff_id=zone.owner_staff_id))
    uow.repo(PartyBranch).add_many(data.party_branches)
    uow.repo(PartyMember).add_many(data.party_members)
    uow.repo(PartnerUnit).add_many(data.partner_units)
    uow.repo(ServicePoint).add_many(data.service_points)
    uow.repo(Committee).add_many(data.committees)
    uow.repo(Seat).add_many(data.seats)


def _users(
    uow: UnitOfWork, data: CommunityData, accounts: Iterable[tuple[str, str]]
) -> dict[str, str]:
    users = UserService(uow)
    cid = data.community.id
    zone_one = next(z for z in data.grid_zones if z.number == 1)
    household = next(h for h in data.households if h.grid_zone_id == zone_one.id)
    passwords: dict[str, str] = {}
    for username, role in accounts:
        if role == "grid_worker":
            scope = Scope.zone(cid, zone_one.id)
        elif role == "resident":
            scope = Scope.household(cid, household.id)
        else:
            scope = Scope.community(cid)
        password = new_password()
        users.create(username, roles=[role], scope=scope, password=password)
        passwords[username] = password
    return passwords
