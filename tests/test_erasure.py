"""Erasure declared per entity and done by the core, for core and plugin entities alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
import pytest
from commons_elderly_health import plugin as health_plugin
from commons_elderly_health.model import HealthFile, Measurement
from commons_love_supermarket import SupermarketService
from commons_love_supermarket import plugin as supermarket_plugin
from commons_love_supermarket.model import Donation
from commons_safety_patrol import MemberKind, PatrolMember, Patrols, PatrolTeam
from commons_safety_patrol import plugin as patrol_plugin
from sqlalchemy import Column, ForeignKeyConstraint, MetaData, Table, Uuid

from commons_core import Actor
from commons_core.demo import DemoContext
from commons_core.errors import ConfigurationError
from commons_core.model import KeyGroupCategory, KeyGroupFlag, PartyMember, Seat, Staff
from commons_core.plugins import make_plugin_host
from commons_core.services import Commons
from commons_core.services.audit import read_entries
from commons_core.services.audit_check import verify_trail
from commons_core.services.erasure import undeclared
from commons_core.services.subject import ANONYMOUS, anonymise_departed
from commons_core.storage import Entity, Erasure
from commons_core.storage.tables import key_group_flag, life_event, resident

PLUGINS = {
    "love_supermarket": supermarket_plugin,
    "elderly_health": health_plugin,
    "safety_patrol": patrol_plugin,
}


@pytest.fixture
def commons_plugins() -> dict[str, object]:
    """The core and the three plugins."""
    return dict(PLUGINS)


# -- the conformance check ------------------------------------------------------------


def test_every_entity_of_core_and_plugins_that_refers_to_a_resident_declares_its_erasure() -> None:
    entities = make_plugin_host(load_entry_points=False, plugins=PLUGINS).entities()
    assert {e.name for e in entities} >= {"safety_patrol_member", "elderly_health_file"}
    assert undeclared(entities) == []


@attrs.frozen(kw_only=True)
class Note:
    """A made-up plugin record about a resident."""

    id: UUID
    community_id: UUID
    resident_id: UUID
    text: str
    written_on: date


_made_up = MetaData()
note = Table(
    "made_up_note",
    _made_up,
    Column("community_id", Uuid, primary_key=True),
    Column("id", Uuid, primary_key=True),
    Column("resident_id", Uuid, nullable=False),
    Column("text", Uuid, nullable=False),
    Column("written_on", Uuid, nullable=False),
    ForeignKeyConstraint(["community_id", "resident_id"], ["resident.community_id", "resident.id"]),
)


def test_an_entity_with_a_foreign_key_to_resident_and_no_erasure_is_named() -> None:
    entities = [Entity(Note, note), Entity(KeyGroupFlag, key_group_flag)]
    assert undeclared(entities) == ["made_up_note", "key_group_flag"]
    assert undeclared([Entity(Note, note, erasure=Erasure.delete())]) == []


def test_a_declaration_the_entity_cannot_honour_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="written_on"):
        Entity(Note, note, erasure=Erasure.anonymise("written_on"))
    with pytest.raises(ConfigurationError, match="append-only"):
        Entity(Note, note, append_only=True, erasure=Erasure.delete())
    with pytest.raises(ConfigurationError, match="no column linking"):
        Entity(Note, note, erasure=Erasure.delete(links=["text"]))
    with pytest.raises(ConfigurationError, match="Chinese and English"):
        Erasure.keep("账目凭证", "")
    kept = Entity(Note, note, append_only=True, erasure=Erasure.keep("凭证", "a voucher"))
    assert kept.erasure is not None and str(kept.erasure.reason) == "凭证 / a voucher"


# -- anonymising a departed resident ----------------------------------------------------


@attrs.frozen
class Departed:
    """A resident with records in core and plugins, who moved out long enough ago."""

    community_id: UUID
    person: UUID
    name: str
    party_member: UUID
    seat: UUID
    staff: UUID
    file: UUID
    measurement: UUID
    donation: UUID
    volunteer: UUID
    via_party: UUID
    staff_member: UUID


@pytest.fixture
def departed(
    commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext]
) -> Departed:
    data = demo_community(run_plugins=False).data["small"]
    cid = data.community.id
    member = next(p for p in data.party_members if p.resident_id is not None)
    assert member.resident_id is not None
    person = next(r for r in data.residents if r.id == member.resident_id)
    other_staff = next(s for s in data.staff if s.resident_id != person.id)
    today = date.today()
    with commons.unit_of_work(admin) as uow:
        uow.repo(KeyGroupFlag).add(
            KeyGroupFlag(community_id=cid, resident_id=person.id, category=KeyGroupCategory.STUDENT)
        )
        seat = uow.repo(Seat).add(
            Seat(
                community_id=cid,
                committee_id=data.committees[0].id,
                holder_name=person.name,
                role="委员",
                resident_id=person.id,
                term_start=today - timedelta(days=900),
            )
        )
        staff = uow.repo(Staff).add(
            Staff(community_id=cid, name=person.name, position="网格员", resident_id=person.id)
        )
        health = uow.repo(HealthFile).add(HealthFile(community_id=cid, resident_id=person.id))
        reading = uow.repo(Measurement).add(
            Measurement(
                community_id=cid,
                resident_id=person.id,
                file_id=health.id,
                measured_on=today - timedelta(days=100),
                systolic=130,
                diastolic=85,
            )
        )
        shop = SupermarketService(uow)
        shop.configure(cid, opened_on=today - timedelta(days=200))
        gift = shop.receive_money(cid, shop.resident_donor(person.id), Decimal("100")).donation
        patrols = Patrols(uow)
        (team,) = patrols.add(PatrolTeam(community_id=cid, name="红袖标治安巡逻队"))
        volunteer = patrols.enlist(team, MemberKind.VOLUNTEER, person.id)
        via_party = patrols.enlist(team, MemberKind.PARTY_MEMBER, member.id)
        staff_member = patrols.enlist(team, MemberKind.STAFF, other_staff.id)
        uow.residents.move_out(uow.residents.get(person.id), on=today - timedelta(days=40))
    with commons.unit_of_work(admin) as uow:
        assert anonymise_departed(uow, retention_days=30) == [person.id]
    return Departed(
        community_id=cid,
        person=person.id,
        name=person.name,
        party_member=member.id,
        seat=seat.id,
        staff=staff.id,
        file=health.id,
        measurement=reading.id,
        donation=gift.id,
        volunteer=volunteer.id,
        via_party=via_party.id,
        staff_member=staff_member.id,
    )


def _read(commons: Commons, admin: Actor, model: type, *ids: UUID) -> list[Any]:
    with commons.unit_of_work(admin) as uow:
        repo: Any = uow.repo(model)
        return [repo.find(repo.table.c.id == i, reveal=True) for i in ids]


def test_the_core_deletes_flags_anonymises_names_and_keeps_what_it_declares(
    commons: Commons, admin: Actor, departed: Departed
) -> None:
    with commons.unit_of_work(admin) as uow:
        flags = uow.repo(KeyGroupFlag).count(key_group_flag.c.resident_id == departed.person)
        events = uow.connection.execute(
            life_event.select().where(life_event.c.resident_id == departed.person)
        ).all()
        assert uow.residents.get(departed.person, reveal=True).name == ANONYMOUS
        assert uow.residents.count(resident.c.id == departed.person) == 1
    assert flags == 0
    ((member,),) = _read(commons, admin, PartyMember, departed.party_member)
    ((seat,),) = _read(commons, admin, Seat, departed.seat)
    ((staff,),) = _read(commons, admin, Staff, departed.staff)
    assert (member.name, member.resident_id) == (ANONYMOUS, departed.person)
    assert seat.holder_name == ANONYMOUS
    assert staff.name == departed.name  # kept: an employment record
    assert events  # kept: the moving out is still counted
    with commons.engine.connect() as conn:
        _, problems = verify_trail(conn, commons.keys)
    assert problems == []


def test_an_anonymised_residents_health_records_are_deleted(
    commons: Commons, admin: Actor, departed: Departed
) -> None:
    assert _read(commons, admin, HealthFile, departed.file) == [[]]
    assert _read(commons, admin, Measurement, departed.measurement) == [[]]


def test_a_resident_donors_donation_is_kept_without_the_name(
    commons: Commons, admin: Actor, departed: Departed
) -> None:
    ((gift,),) = _read(commons, admin, Donation, departed.donation)
    assert (gift.donor_resident_id, gift.amount, gift.donor_name) == (
        departed.person,
        Decimal("100.00"),
        None,
    )


def test_the_patrol_forgets_the_name_of_an_anonymised_member(
    commons: Commons, admin: Actor, departed: Departed
) -> None:
    volunteer, via_party, staff_member = (
        found[0]
        for found in _read(
            commons,
            admin,
            PatrolMember,
            departed.volunteer,
            departed.via_party,
            departed.staff_member,
        )
    )
    assert (volunteer.name, via_party.name) == (ANONYMOUS, ANONYMOUS)
    assert volunteer.resident_id == departed.person
    assert staff_member.name not in (ANONYMOUS, departed.name)
    with commons.unit_of_work(admin) as uow:
        changed = [
            e
            for e in read_entries(uow.connection, community_ids=[departed.community_id])
            if e.entity == "safety_patrol_member" and e.action == "update"
        ]
    assert {e.key for e in changed} == {str(departed.volunteer), str(departed.via_party)}
