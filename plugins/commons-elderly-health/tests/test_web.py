"""The plugin's pages and API in the reference deployment, through Litestar's test client."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from commons_core import Actor
from commons_core.services import Commons

from .conftest import World

pytest.importorskip("commons_reference", reason="the reference deployment is not installed")

from commons_reference.testing import Site, add_users, csrf, post_form
from litestar.testing import TestClient


@pytest.fixture
def client_for(
    commons: Commons, world: World, cheap_hashing: None
) -> Callable[[str], TestClient[Any]]:
    """``client_for("cadre")``: the app's client logged in as that user (one user per role)."""
    add_users(commons, world.context, "small")
    return Site(commons, world.context).client


def page(world: World, path: str = "") -> str:
    return f"/c/{world.community_id}/elderly-health/{path}"


def api(world: World, path: str) -> str:
    return f"/api/v1/communities/{world.community_id}/elderly-health/{path}"


@pytest.fixture
def open_file(commons: Commons, world: World, health_worker: Actor) -> Any:
    """张奶奶's file, open."""
    from commons_elderly_health import HealthRecords

    with commons.unit_of_work(health_worker) as uow:
        return HealthRecords(uow).open_file(world.residents["张奶奶"])


def test_the_health_worker_sees_coverage_and_the_nav(
    client_for: Callable[[str], TestClient[Any]], world: World, open_file: Any
) -> None:
    client = client_for("health-worker")
    shown = client.get(page(world))
    assert shown.status_code == 200, shown.text[-3000:]
    assert "老年人健康档案覆盖情况" in shown.text
    assert re.search(r'data-key="files_opened"><dt>[^<]+</dt><dd>1</dd>', shown.text)
    assert "李爷爷" in shown.text  # the 80+ list
    for link in ("健康档案", "逾期体检", "记录血压"):
        assert f">{link}</a>" in shown.text
    english = client.get(f"/language/en?next={page(world)}")
    assert "Elderly health coverage" in english.text
    data = client.get(api(world, "coverage")).json()
    assert data["files_opened"] == 1 and data["residents_60_plus"] >= 2
    (late,) = client.get(api(world, "overdue")).json()
    assert late["name"] == "张奶奶"
    assert "张奶奶" in client.get(page(world, "overdue")).text


def test_a_role_without_health_permissions_is_refused_and_sees_no_links(
    client_for: Callable[[str], TestClient[Any]], world: World, open_file: Any
) -> None:
    client = client_for("resident")
    assert client.get(page(world)).status_code == 403
    assert client.get(page(world, "blood-pressure")).status_code == 403
    assert client.get(api(world, "coverage")).status_code == 403
    refused = client.post(
        api(world, "measurements"),
        json={"resident_id": str(world.residents["张奶奶"]), "systolic": 130, "diastolic": 80},
        headers=csrf(client),
    )
    assert refused.status_code == 403
    assert "记录血压" not in client.get(f"/c/{world.community_id}/").text


def test_the_cadre_sees_coverage_but_may_not_record(
    client_for: Callable[[str], TestClient[Any]], world: World
) -> None:
    client = client_for("cadre")
    assert client.get(page(world)).status_code == 200
    home = client.get(f"/c/{world.community_id}/").text
    assert ">健康档案</a>" in home and ">记录血压</a>" not in home
    assert client.get(page(world, "blood-pressure")).status_code == 403


def test_the_api_refuses_systolic_not_above_diastolic_with_the_field(
    client_for: Callable[[str], TestClient[Any]],
    world: World,
    open_file: Any,
    commons: Commons,
    health_worker: Actor,
) -> None:
    client = client_for("health-worker")
    who = str(world.residents["张奶奶"])
    bad = client.post(
        api(world, "measurements"),
        json={"resident_id": who, "systolic": 90, "diastolic": 95},
        headers=csrf(client),
    )
    assert bad.status_code == 422
    (problem,) = bad.json()["problems"]
    assert problem["path"] == "systolic"
    assert problem["code"] == "elderly_health.systolic_above_diastolic"
    assert "应高于舒张压" in problem["zh"] and "must be above diastolic" in problem["en"]
    several = client.post(
        api(world, "measurements"),
        json={"resident_id": who, "systolic": 400, "diastolic": "abc"},
        headers=csrf(client),
    )
    assert several.status_code == 422
    assert {p["path"] for p in several.json()["problems"]} == {"systolic", "diastolic"}
    good = client.post(
        api(world, "measurements"),
        json={"resident_id": who, "systolic": 135, "diastolic": 85},
        headers=csrf(client),
    )
    assert good.status_code == 201, good.text
    # The answer is masked as a read without reveal is; the reading is stored.
    assert good.json()["systolic"] is None
    from commons_elderly_health import HealthRecords

    with commons.unit_of_work(health_worker) as uow:
        (stored,) = HealthRecords(uow).measurements(world.residents["张奶奶"], reveal=True)
    assert (stored.systolic, stored.diastolic) == (135, 85)


def test_the_form_shows_the_error_next_to_the_field_then_saves(
    client_for: Callable[[str], TestClient[Any]], world: World, open_file: Any
) -> None:
    client = client_for("health-worker")
    form = client.get(page(world, "blood-pressure"))
    assert form.status_code == 200 and "张奶奶" in form.text
    (current,) = re.findall(r'<a [^>]*aria-current="page">([^<]+)</a>', form.text)
    assert current == "记录血压"  # not also the plugin's index, a prefix of this page
    fields = {"resident_id": str(world.residents["张奶奶"]), "systolic": "80", "diastolic": "90"}
    refused = post_form(client, page(world, "blood-pressure"), fields)
    assert refused.status_code == 422
    beside = re.search(r'<ul class="errors" data-for="systolic">(.*?)</ul>', refused.text, re.S)
    assert beside and "收缩压 80 mmHg 应高于舒张压 90 mmHg" in beside.group(1)
    assert "systolic 80 mmHg must be above diastolic 90 mmHg" in beside.group(1)
    assert 'value="80"' in refused.text  # what was typed is kept
    without_token = client.post(page(world, "blood-pressure"), data={**fields, "systolic": "140"})
    assert without_token.status_code == 403
    saved = post_form(client, page(world, "blood-pressure"), {**fields, "systolic": "140"})
    assert saved.status_code == 200
    assert "已保存" in saved.text and "140/90 mmHg" in saved.text
