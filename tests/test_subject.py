"""Data-subject export and retention."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from commons_core import Actor
from commons_core.demo import store_community
from commons_core.errors import AccessDenied
from commons_core.model import KeyGroupCategory, KeyGroupFlag, ResidentAnonymised
from commons_core.services import Commons
from commons_core.services.audit_check import verify_trail
from commons_core.services.subject import ANONYMOUS, anonymise_departed, export_subject

from .samples import small_community


@pytest.fixture
def stored(commons: Commons, admin: Actor) -> Any:
    data = small_community()
    with commons.unit_of_work(admin) as uow:
        store_community(uow, data)
    return data


def test_export_gathers_everything_about_one_resident(
    commons: Commons, admin: Actor, stored: Any
) -> None:
    member = stored.party_members[0]
    person = next(r for r in stored.residents if r.id == member.resident_id)
    with commons.unit_of_work(admin) as uow:
        uow.repo(KeyGroupFlag).add(
            KeyGroupFlag(
                community_id=person.community_id,
                resident_id=person.id,
                category=KeyGroupCategory.STUDENT,
            )
        )
        data = export_subject(uow, person.id)
    assert data["resident"]["id_number"] == person.id_number
    assert data["household"]["id"] == str(person.household_id)
    assert data["records"]["party_member"][0]["id"] == str(member.id)
    assert data["records"]["key_group_flag"][0]["category"] == "student"
    assert any(e["action"] == "create" for e in data["audit"])


def test_export_needs_the_permission(commons: Commons, stored: Any, actor_for: Any) -> None:
    reader = actor_for("reader", stored.community.id)
    with pytest.raises(AccessDenied), commons.unit_of_work(reader) as uow:
        export_subject(uow, stored.residents[0].id)


def test_a_cadre_exports_a_resident_but_not_the_trail(
    commons: Commons, stored: Any, actor_for: Any
) -> None:
    """The trail is the auditors' (audit:read): a cadre's export leaves it out."""
    cadre = actor_for("cadre", stored.community.id)
    with commons.unit_of_work(cadre) as uow:
        data = export_subject(uow, stored.residents[0].id)
    assert data["resident"]["id"] == str(stored.residents[0].id)
    assert data["audit"] is None


def test_retention_anonymises_only_long_departed_residents(
    commons: Commons, admin: Actor, stored: Any
) -> None:
    today = date(2026, 11, 27)
    long_gone, recently_gone = stored.residents[0], stored.residents[1]
    with commons.unit_of_work(admin) as uow:
        uow.residents.move_out(uow.residents.get(long_gone.id), on=today - timedelta(days=4000))
        uow.residents.move_out(uow.residents.get(recently_gone.id), on=today - timedelta(days=10))

    with commons.unit_of_work(admin) as uow:
        done = anonymise_departed(uow, retention_days=1095, today=today)
    assert done == [long_gone.id]
    with commons.unit_of_work(admin) as uow:
        anonymised = uow.residents.get(long_gone.id, reveal=True)
        kept = uow.residents.get(recently_gone.id, reveal=True)
        again = anonymise_departed(uow, retention_days=1095, today=today)
    assert again == []
    assert (anonymised.name, anonymised.id_number, anonymised.phone) == (ANONYMOUS, None, None)
    assert anonymised.birth_date == date(long_gone.birth_date.year, 1, 1)
    assert (anonymised.gender, anonymised.ethnicity) == (long_gone.gender, long_gone.ethnicity)
    assert kept.name == recently_gone.name
    with commons.engine.connect() as conn:
        _, problems = verify_trail(conn, commons.keys)
    assert problems == []


def test_plugins_are_told_to_forget(commons_db_url: str, admin: Actor) -> None:
    import types

    from commons_core import hookimpl, open_commons
    from commons_core.plugins import make_plugin_host

    told: list[Any] = []
    plugin = types.ModuleType("listener")
    plugin.commons_on_events = hookimpl(  # type: ignore[attr-defined]
        lambda events: told.extend(e for e in events if isinstance(e, ResidentAnonymised))
    )
    commons = open_commons(
        commons_db_url,
        host=make_plugin_host(load_entry_points=False, plugins={"l": plugin}),
        upgrade=True,
    )
    data = small_community()
    with commons.unit_of_work(admin) as uow:
        store_community(uow, data)
        person = uow.residents.get(data.residents[0].id)
        uow.residents.move_out(person, on=date(2010, 1, 1))
    with commons.unit_of_work(admin) as uow:
        anonymise_departed(uow, retention_days=30)
    assert [e.resident_id for e in told] == [data.residents[0].id]
    commons.close()
