"""A small community with a patrol set up in the database, for service, report and CLI tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from uuid import UUID

import attrs
from commons_safety_patrol import (
    MemberKind,
    PatrolMember,
    PatrolRoute,
    Patrols,
    PatrolTeam,
    ShiftTemplate,
    Unavailability,
)

from commons_core import Actor, Building, PartyMember, Resident
from commons_core.demo import DemoContext
from commons_core.services import Commons

START = date(2026, 2, 2)
"""A Monday: the test rosters start here."""


@attrs.frozen
class World:
    """The community, its two routes (东线 over the first three buildings, 西线 over two
    more; the last building is on no route), one evening pattern and four members:
    two patrol staff, a party member and a volunteer."""

    demo: DemoContext
    team: PatrolTeam
    routes: dict[str, PatrolRoute]
    evening: ShiftTemplate
    members: tuple[PatrolMember, ...]
    buildings: tuple[Building, ...]

    @property
    def community_id(self) -> UUID:
        return self.demo.communities["small"].id

    @property
    def name(self) -> str:
        return self.demo.communities["small"].name


def make_world(commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext]) -> World:
    """Set up the world (the plugin's own demo data is not loaded)."""
    demo = demo_community(run_plugins=False, today=date(2026, 3, 1))
    data = demo.data["small"]
    cid = data.community.id
    with commons.unit_of_work(admin) as uow:
        patrols = Patrols(uow)
        (team,) = patrols.add(PatrolTeam(community_id=cid, name="红袖标治安巡逻队"))
        buildings = data.buildings
        east = patrols.add_route(
            PatrolRoute(community_id=cid, name="东线", lanes=("文化路",), members_per_shift=1),
            [b.id for b in buildings[:3]],
        )
        west = patrols.add_route(
            PatrolRoute(community_id=cid, name="西线", members_per_shift=1),
            [b.id for b in buildings[3:5]],
        )
        (evening,) = patrols.add(
            ShiftTemplate(community_id=cid, name="晚间巡逻", starts=time(19, 30), ends=time(22, 30))
        )
        staff = [s for s in data.staff if s.position == "专职巡逻员"]
        party: PartyMember = next(p for p in data.party_members if p.resident_id is not None)
        volunteer: Resident = next(r for r in data.residents if r.age_on(demo.today) > 40)
        members = [
            patrols.enlist(team, MemberKind.STAFF, staff[0].id),
            patrols.enlist(team, MemberKind.STAFF, staff[1].id),
            patrols.enlist(team, MemberKind.PARTY_MEMBER, party.id),
            patrols.enlist(team, MemberKind.VOLUNTEER, volunteer.id),
        ]
    return World(
        demo=demo,
        team=team,
        routes={"东线": east, "西线": west},
        evening=evening,
        members=tuple(members),
        buildings=buildings,
    )


def three_at_a_meeting(commons: Commons, admin: Actor, world: World) -> None:
    """Three of the four members cannot patrol on the first night: one route goes short."""
    with commons.unit_of_work(admin) as uow:
        Patrols(uow).add(
            *(
                Unavailability(
                    community_id=world.community_id,
                    member_id=m.id,
                    starts_on=START,
                    ends_on=START,
                    reason="开会",
                )
                for m in world.members[:3]
            )
        )
