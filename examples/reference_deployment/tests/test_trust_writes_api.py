"""Writes through the JSON API and the forms, as the demo roles (issue 14, items 1, 2, 9, 10).

Crafted requests, not only the forms' happy path: a PUT with nothing but the
version, a form POST adding ``statuses`` the form never showed, a taken ID
number inside and outside the grid worker's zone, a link to another zone's
household, updates without a version, and eight concurrent PUTs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID, uuid4

import pytest
from commons_love_supermarket import plugin as supermarket_plugin
from commons_reference.testing import Site
from sqlalchemy import func, select
from stdnum.cn import ric

from commons_core import Actor
from commons_core.storage.tables import audit_entry

CONCURRENT = 8


@pytest.fixture
def commons_plugins() -> Mapping[str, object]:
    """The love supermarket, whose clerk sells to households by their statuses."""
    return {"love_supermarket": supermarket_plugin}


def id_number(sequence: int) -> str:
    """A valid ID number of a woman born 1990-01-01 (the members below)."""
    body = f"11010119900101{2 * sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


MEMBER = {
    "name": "新成员",
    "gender": "女",
    "birth_date": "1990-01-01",
    "relation_to_head": "子女",
}


def revealed(site: Site, kind: str, record_id: Any) -> Any:
    """A record as stored, read in clear by the administrator."""
    with site.commons.unit_of_work(Actor.local_admin()) as uow:
        repo = uow.households if kind == "household" else uow.residents
        return repo.get(record_id, reveal=True)


def audit_count(site: Site, actor: str, actions: tuple[str, ...]) -> int:
    """How many entries of these actions the trail holds by ``actor``."""
    with site.commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        query = select(func.count()).where(
            audit_entry.c.actor == actor, audit_entry.c.action.in_(actions)
        )
        return int(uow.connection.execute(query).scalar_one())


def zone_person(site: Site) -> Any:
    homes = {h.id for h in site.households_in(site.zone_one.id)}
    return next(
        r for r in site.data.residents if r.household_id in homes and r.id_number and r.phone
    )


def other_person(site: Site) -> Any:
    homes = {h.id for h in site.households_in(site.zone_one.id)}
    return next(
        r
        for r in site.data.residents
        if r.household_id not in homes and r.household_id and r.id_number
    )


# -- item 1: a write never unmasks -----------------------------------------------------


def test_a_put_of_only_the_version_answers_masked_and_reveals_nothing(site: Site) -> None:
    person = zone_person(site)
    worker = site.client("grid-worker")
    url = site.api(f"/residents/{person.id}")
    read = worker.get(url).json()
    answer = worker.put(url, json={"version": read["version"]}, headers=site.csrf(worker))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    clear = revealed(site, "resident", person.id)
    assert body["id_number"] == read["id_number"] != clear.id_number
    assert body["phone"] == read["phone"] != clear.phone
    assert clear.id_number not in answer.text and clear.phone not in answer.text
    assert audit_count(site, "grid-worker", ("reveal", "update")) == 0, "no reveal, no write"
    home = site.households_in(site.zone_one.id)[0]
    url = site.api(f"/households/{home.id}")
    version = worker.get(url).json()["household"]["version"]
    answer = worker.put(url, json={"version": version}, headers=site.csrf(worker))
    assert answer.status_code == 200 and answer.json()["statuses"] is None


def test_a_refused_update_shows_the_stored_id_number_as_masked_as_a_read(site: Site) -> None:
    """Changing the birth date or sex so that the stored ID number disagrees: the 422 names
    the rule, never the number (the rules checked the clear value the actor sent masked)."""
    person = zone_person(site)
    worker = site.client("grid-worker")
    url = site.api(f"/residents/{person.id}")
    read = worker.get(url).json()
    clear = revealed(site, "resident", person.id).id_number
    other = "female" if read["gender"] == "male" else "male"
    for change in ({"birth_date": "1950-02-03"}, {"gender": other}):
        answer = worker.put(
            url, json={"version": read["version"], **change}, headers=site.csrf(worker)
        )
        assert answer.status_code == 422, answer.text
        assert clear not in answer.text and clear[6:14] not in answer.text
        problem = next(p for p in answer.json()["problems"] if p["path"] == "id_number")
        assert problem["value"] == read["id_number"]
    cadre = site.client("cadre")  # who may reveal it is told the number
    read = cadre.get(url).json()
    answer = cadre.put(
        url, json={"version": read["version"], "birth_date": "1950-02-03"}, headers=site.csrf(cadre)
    )
    assert answer.status_code == 422 and clear in answer.text


def test_creating_answers_masked(site: Site) -> None:
    home = site.households_in(site.zone_one.id)[0]
    worker = site.client("grid-worker")
    number = id_number(1)
    created = worker.post(
        site.api(f"/households/{home.id}/members"),
        json={**MEMBER, "id_number": number, "phone": "13800001111"},
        headers=site.csrf(worker),
    )
    assert created.status_code == 201, created.text
    assert number not in created.text and "13800001111" not in created.text
    assert revealed(site, "resident", UUID(created.json()["id"])).id_number == number


# -- item 2: writing a sensitive field needs the permission to see it ---------------------


def test_a_grid_worker_cannot_make_a_household_low_income_on_any_face(site: Site) -> None:
    """The issue's attack: a grid worker sends ``statuses``; the clerk would then sell."""
    home = next(h for h in site.households_in(site.zone_one.id) if not h.statuses)
    worker = site.client("grid-worker")
    url = site.api(f"/households/{home.id}")
    version = worker.get(url).json()["household"]["version"]
    for statuses in (["low_income"], []):
        refused = worker.put(
            url, json={"statuses": statuses, "version": version}, headers=site.csrf(worker)
        )
        assert refused.status_code == 403, refused.text
        body = refused.json()
        assert "set:assistance" in body["zh"] and "household.statuses" in body["en"]
        assert "grid-worker" in body["en"]
    # The form never shows statuses to a grid worker; a crafted POST adds them.
    form = worker.get(site.page(f"/households/{home.id}/edit"))
    assert 'name="statuses"' not in form.text
    crafted = site.post_form(
        worker,
        site.page(f"/households/{home.id}/edit"),
        {"version": str(version), "statuses_shown": "1", "statuses": "low_income"},
    )
    assert crafted.status_code == 403
    assert "set:assistance" in crafted.text
    stored = revealed(site, "household", home.id)
    assert (stored.statuses, stored.version) == (frozenset(), version)
    clerk = site.client("clerk")
    eligibility = clerk.get(site.api(f"/love-supermarket/households/{home.id}/eligibility"))
    assert eligibility.status_code == 200 and eligibility.json()["eligible"] is False
    # A cadre may (reveal:assistance): the same request is taken.
    cadre = site.client("cadre")
    taken = cadre.put(
        url, json={"statuses": ["low_income"], "version": version}, headers=site.csrf(cadre)
    )
    assert taken.status_code == 200, taken.text
    assert clerk.get(site.api(f"/love-supermarket/households/{home.id}/eligibility")).json()[
        "eligible"
    ]


# -- item 9: no existence oracle on writes ------------------------------------------------


def test_a_taken_id_number_answers_409_alike_in_and_out_of_the_zone(site: Site) -> None:
    home = site.households_in(site.zone_one.id)[0]
    worker = site.client("grid-worker")
    url = site.api(f"/households/{home.id}/members")
    answers = {}
    for where, person in (("other zone", other_person(site)), ("own zone", zone_person(site))):
        clear = revealed(site, "resident", person.id)
        member = {
            **MEMBER,
            "birth_date": clear.birth_date.isoformat(),
            "gender": clear.gender.zh,
            "id_number": clear.id_number,
        }
        answer = worker.post(url, json=member, headers=site.csrf(worker))
        assert answer.status_code == 409, (where, answer.text)
        body = answer.json()
        assert [(p["path"], p["code"]) for p in body["problems"]] == [("id_number", "unique")]
        assert "身份证号" in body["zh"] and "ID number" in body["en"]
        assert clear.id_number not in answer.text and clear.id_number[6:14] not in answer.text
        answers[where] = body
    assert answers["other zone"] == answers["own zone"]
    fresh = worker.post(url, json={**MEMBER, "id_number": id_number(2)}, headers=site.csrf(worker))
    assert fresh.status_code == 201, fresh.text
    # The form answers the same, next to the input, with what was typed kept.
    person = other_person(site)
    clear = revealed(site, "resident", person.id)
    page = site.post_form(
        worker,
        site.page(f"/households/{home.id}/members/new"),
        {
            **MEMBER,
            "birth_date": clear.birth_date.isoformat(),
            "gender": clear.gender.value,
            "relation_to_head": "child",
            "id_number": clear.id_number,
        },
    )
    assert page.status_code == 409
    assert 'data-for="id_number"' in page.text and "已被另一条记录使用" in page.text


def test_a_taken_household_number_is_409(site: Site) -> None:
    cadre = site.client("cadre")
    taken = site.data.households[0].household_no
    answer = cadre.post(
        site.api("/households"),
        json={
            "household": {"household_no": taken},
            "members": [{**MEMBER, "relation_to_head": "户主"}],
        },
        headers=site.csrf(cadre),
    )
    assert answer.status_code == 409, answer.text
    assert answer.json()["problems"][0]["path"] == "household_no"


def test_moving_into_another_zone_s_household_answers_as_a_missing_one(site: Site) -> None:
    person = zone_person(site)
    worker = site.client("grid-worker")
    url = site.api(f"/residents/{person.id}")
    version = worker.get(url).json()["version"]
    answers = {}
    for where, target in (("other zone", site.household_elsewhere().id), ("missing", uuid4())):
        answer = worker.put(
            url, json={"household_id": str(target), "version": version}, headers=site.csrf(worker)
        )
        assert answer.status_code == 422, (where, answer.text)
        [problem] = answer.json()["problems"]
        answers[where] = {k: v for k, v in problem.items() if k != "value"}
    assert answers["other zone"] == answers["missing"]
    assert (answers["missing"]["path"], answers["missing"]["code"]) == (
        "household_id",
        "reference.missing",
    )


# -- item 10: version is required on every update ----------------------------------------


def test_an_update_without_its_version_is_422_naming_version(site: Site) -> None:
    person = zone_person(site)
    home = site.households_in(site.zone_one.id)[0]
    worker = site.client("grid-worker")
    for url, change in (
        (site.api(f"/residents/{person.id}"), {"name": "改名"}),
        (site.api(f"/households/{home.id}"), {"room": "1-101"}),
    ):
        for version in ({}, {"version": None}, {"version": ""}):
            answer = worker.put(url, json={**change, **version}, headers=site.csrf(worker))
            assert answer.status_code == 422, answer.text
            [problem] = answer.json()["problems"]
            assert (problem["path"], problem["code"]) == ("version", "version.required")
            assert "版本" in problem["zh"] and "version" in problem["en"]
    assert revealed(site, "resident", person.id).name == person.name
    # The forms carry the version read as a hidden input; a POST without it is refused alike.
    edit = worker.get(site.page(f"/residents/{person.id}/edit"))
    assert f'name="version" value="{person.version}"' in edit.text
    edit = worker.get(site.page(f"/households/{home.id}/edit"))
    assert f'name="version" value="{home.version}"' in edit.text
    for path, data in (
        (f"/residents/{person.id}/edit", {"name": "改名"}),
        (f"/households/{home.id}/edit", {"room": "1-101"}),
    ):
        page = site.post_form(worker, site.page(path), data)
        assert page.status_code == 422
        assert "<code>version</code>" in page.text and "缺少版本号" in page.text
    assert revealed(site, "household", home.id).room == home.room


def _concurrently(site: Site, put: Callable[[Any], Any]) -> list[int]:
    """``put(client)`` from :data:`CONCURRENT` clients at once; their status codes."""
    clients = [site.client("cadre") for _ in range(CONCURRENT)]
    start = threading.Barrier(CONCURRENT)
    codes: list[int] = []
    lock = threading.Lock()

    def run(client: Any) -> None:
        start.wait()
        code = put(client).status_code
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


def test_eight_concurrent_puts_lose_no_update(site: Site) -> None:
    person = zone_person(site)
    url = site.api(f"/residents/{person.id}")
    version = revealed(site, "resident", person.id).version

    def without(client: Any) -> Any:
        return client.put(url, json={"name": "无版本"}, headers=site.csrf(client))

    assert _concurrently(site, without) == [422] * CONCURRENT
    assert revealed(site, "resident", person.id).version == version, "none was written"

    def same_version(client: Any) -> Any:
        name = f"并发-{id(client)}"
        return client.put(url, json={"name": name, "version": version}, headers=site.csrf(client))

    codes = _concurrently(site, same_version)
    assert sorted(codes) == [200] + [409] * (CONCURRENT - 1)
    stored = revealed(site, "resident", person.id)
    assert stored.version == version + 1 and stored.name.startswith("并发-")
