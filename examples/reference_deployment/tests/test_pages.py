"""The server-rendered pages, through the test client: login, roles, forms, errors, plugins."""

from __future__ import annotations

import re
import types
from typing import Any
from uuid import UUID

import pytest
from commons_reference import WebSettings, create_app
from commons_reference.contract import Ctx, NavLink, WebContribution
from commons_reference.testing import post_form
from litestar import get
from litestar.params import FromPath
from litestar.response import Template

from commons_core import hookimpl
from commons_core.errors import PluginError
from commons_core.model import Label
from commons_core.plugins import make_plugin_host

BAD_ID = "110105199001010011"


def form_login(client: Any, username: str, password: str, next_: str = "/") -> Any:
    client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "next": next_,
            "_csrf_token": client.cookies.get("csrftoken"),
        },
    )


def test_pages_need_a_login_and_come_back_after_it(site: Any) -> None:
    client = site.client()
    first = client.get(site.page("/households"), follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"].startswith("/login?next=")
    wrong = form_login(client, "cadre", "wrong", site.page("/households"))
    assert wrong.status_code == 401
    assert "用户名或密码错误" in wrong.text
    assert "wrong user name or password" in wrong.text
    right = form_login(client, "cadre", "correct-horse-42", site.page("/households"))
    assert right.status_code == 200
    assert right.url.path == site.page("/households")
    cookie = next(c for c in client.cookies.jar if c.name == "commons_session")
    assert cookie.secure
    assert cookie.has_nonstandard_attr("HttpOnly")


def test_login_refuses_an_open_redirect(site: Any) -> None:
    client = site.client()
    response = form_login(client, "cadre", "correct-horse-42", "//evil.example/")
    assert response.url.host == "testserver.local"


def test_logout_needs_csrf_and_ends_the_session(site: Any) -> None:
    client = site.client("cadre")
    assert client.post("/logout").status_code == 403
    post_form(client, "/logout", {})
    assert client.get(site.page("/"), follow_redirects=False).status_code == 303


def test_overview_figures_and_charts(site: Any) -> None:
    client = site.client("cadre")
    page = client.get(site.page("/"))
    assert page.status_code == 200
    assert 'data-key="households"' in page.text
    assert re.search(r'data-key="households"><dt>户数</dt>\s*<dd>40</dd>', page.text)
    assert page.text.count("<svg") == 2
    assert "汉族" in page.text
    clerk = site.client("clerk").get(site.page("/"))
    assert re.search(r'data-key="party_members"><dt>党员</dt>\s*<dd title="无权查看', clerk.text)


def test_language_switch_to_english_and_chinese_dates(site: Any) -> None:
    client = site.client("cadre")
    home = site.data.households[0]
    page = client.get(site.page(f"/households/{home.id}"))
    assert "年" in page.text
    assert "月" in page.text
    client.get(f"/language/en?next={site.page('/')}")
    english = client.get(site.page("/"))
    assert "Households" in english.text
    assert "Age pyramid" in english.text
    assert '<html lang="en">' in english.text
    back = client.get("/language/zh?next=https://evil.example/", follow_redirects=False)
    assert back.headers["location"] == "/"


def test_household_list_search_paging_and_zone_scope(site: Any) -> None:
    cadre = site.client("cadre")
    page = cadre.get(site.page("/households"))
    assert 'data-total="40"' in page.text
    assert "已隐藏" in page.text, "special statuses are withheld in lists"
    number = site.data.households[0].household_no
    found = cadre.get(site.page("/households"), params={"q": number})
    assert number in found.text
    worker = site.client("grid-worker").get(site.page("/households"))
    zone_count = len(site.households_in(site.zone_one.id))
    assert f'data-total="{zone_count}"' in worker.text
    assert "登记新户" not in worker.text, "grid workers may not register households"


def test_household_detail_reveal_is_for_roles_that_may(site: Any) -> None:
    home = site.households_in(site.zone_one.id)[0]
    path = site.page(f"/households/{home.id}")
    cadre = site.client("cadre")
    masked = cadre.get(path)
    assert "显示敏感信息" in masked.text
    ids = re.findall(r'class="id-number">([^<]+)<', masked.text)
    assert ids
    assert all("*" in i or i == "—" for i in ids)
    shown = post_form(cadre, f"{path}/reveal", {})
    assert shown.status_code == 200
    assert "已记入审计记录" in shown.text
    clear = re.findall(r'class="id-number">([^<]+)<', shown.text)
    assert any(i != "—" and "*" not in i for i in clear)
    clerk = site.client("clerk")
    page = clerk.get(path)
    assert "显示敏感信息" not in page.text
    assert "修改住户" not in page.text
    refused = post_form(clerk, f"{path}/reveal", {})
    assert refused.status_code == 403
    assert "reveal" in refused.text


def test_out_of_scope_pages_are_404(site: Any) -> None:
    worker = site.client("grid-worker")
    elsewhere = site.household_elsewhere()
    page = worker.get(site.page(f"/households/{elsewhere.id}"))
    assert page.status_code == 404
    assert 'data-status="404"' in page.text
    other = worker.get(f"/c/{UUID(int=5)}/")
    assert other.status_code == 404
    assert worker.get("/no/such/page").status_code == 404


def test_register_household_shows_errors_next_to_fields(site: Any) -> None:
    cadre = site.client("cadre")
    form = cadre.get(site.page("/households/new"))
    assert 'name="members[0].id_number"' in form.text
    response = post_form(
        cadre,
        site.page("/households/new"),
        {
            "household.household_no": "W-1",
            "household.household_type": "registered",
            "members[0].name": "王五",
            "members[0].relation_to_head": "head",
            "members[0].gender": "male",
            "members[0].birth_date": "1990-01-01",
            "members[0].ethnicity": "han",
            "members[0].id_number": BAD_ID,
            "members[0].registration_status": "resident",
            "action": "save",
        },
    )
    assert response.status_code == 422
    block = re.search(
        r'<ul class="errors" data-for="members\[0\]\.id_number">(.*?)</ul>', response.text, re.S
    )
    assert block
    assert "校验码错误" in block.group(1)
    assert "check digit is wrong" in block.group(1)
    assert f'value="{BAD_ID}"' in response.text, "what was typed is shown again"
    assert 'value="王五"' in response.text


def test_register_household_and_add_member_rows(site: Any) -> None:
    cadre = site.client("cadre")
    more = post_form(
        cadre, site.page("/households/new"), {"action": "add_member", "members[0].name": "甲"}
    )
    assert 'name="members[1].name"' in more.text
    done = post_form(
        cadre,
        site.page("/households/new"),
        {
            "household.household_no": "W-2",
            "household.household_type": "registered",
            "household.statuses_shown": "1",
            "household.statuses": ["low_income", "hardship"],
            "members[0].name": "王五",
            "members[0].relation_to_head": "head",
            "members[0].gender": "male",
            "members[0].birth_date": "1990-01-01",
            "members[0].ethnicity": "han",
            "members[0].id_number": "110105199001010010",
            "members[0].phone": "",
            "members[0].employment_status": "",
            "members[0].registration_status": "resident",
            "action": "save",
        },
    )
    assert done.status_code == 200, done.text[:2000]
    assert "/households/" in done.url.path
    assert "W-2" in done.text
    shown = post_form(cadre, f"{done.url.path}/reveal", {})
    assert "低保" in shown.text
    assert "困难" in shown.text
    clerk = site.client("clerk")
    assert clerk.get(site.page("/households/new")).status_code == 403


def test_edit_household_and_resident_through_forms(site: Any) -> None:
    home = site.households_in(site.zone_one.id)[0]
    person = next(r for r in site.data.residents if r.household_id == home.id and r.id_number)
    worker = site.client("grid-worker")
    form = worker.get(site.page(f"/households/{home.id}/edit"))
    assert form.status_code == 200
    assert "statuses" not in re.findall(r'name="([^"]+)"', form.text), "masked for grid workers"
    saved = post_form(
        worker, site.page(f"/households/{home.id}/edit"), {"room": "8-808", "version": "0"}
    )
    assert saved.status_code == 200
    assert "8-808" in saved.text
    stale = post_form(
        worker, site.page(f"/households/{home.id}/edit"), {"room": "1", "version": "0"}
    )
    assert stale.status_code == 422
    assert "已被他人修改" in stale.text
    edit = worker.get(site.page(f"/residents/{person.id}/edit"))
    assert "留空则保持不变" in edit.text
    kept = post_form(
        worker,
        site.page(f"/residents/{person.id}/edit"),
        {"name": "新名字", "id_number": "", "phone": "", "version": str(person.version)},
    )
    assert kept.status_code == 200, kept.text[:1500]
    cadre = site.client("cadre")
    shown = post_form(cadre, site.page(f"/households/{home.id}/reveal"), {})
    assert "新名字" in shown.text
    assert person.id_number in shown.text
    bad = post_form(
        worker,
        site.page(f"/residents/{person.id}/edit"),
        {
            "name": " ",
            "birth_date": "1990-02-30",
            "phone": "12",
            "version": str(person.version + 1),
        },
    )
    assert bad.status_code == 422
    for field in ("name", "birth_date", "phone"):
        assert f'data-for="{field}"' in bad.text, field


def test_audit_trail_page(site: Any) -> None:
    auditor = site.client("auditor")
    page = auditor.get(site.page("/audit"))
    assert page.status_code == 200
    assert "审计记录" in page.text
    assert "household" in page.text
    assert 'rel="next"' in page.text
    households = auditor.get(site.page("/audit"), params={"entity": "household"})
    assert households.text.count("<td>household</td>") == 40
    assert 'rel="next"' not in households.text
    for username in ("clerk", "grid-worker"):
        client = site.client(username)
        assert "审计记录" not in client.get(site.page("/")).text
        assert client.get(site.page("/audit")).status_code == 403


def _plugin(title: str) -> types.ModuleType:
    @get("/", sync_to_thread=True)
    def index(ctx: Ctx, community_id: FromPath[UUID]) -> Template:
        with ctx.unit_of_work(readonly=True) as uow:
            count = uow.households.count()
        return ctx.render("webdemo/index.html", count=count)

    @get("/count", sync_to_thread=True)
    def api_count(ctx: Ctx) -> dict[str, int]:
        with ctx.unit_of_work(readonly=True) as uow:
            return {"households": uow.households.count()}

    module = types.ModuleType("webdemo")

    @hookimpl
    def commons_web_pages() -> list[object]:
        return [
            WebContribution(
                name="webdemo",
                title=Label(title, "web demo"),
                pages=[index],
                api=[api_count],
                nav=[NavLink(Label(title, "web demo"), "", "household:list")],
                templates=TEMPLATES,
            )
        ]

    module.commons_web_pages = commons_web_pages  # type: ignore[attr-defined]
    return module


TEMPLATES: Any = None


def test_plugin_pages_through_the_hook(
    site: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "index.html").write_text(
        '{% extends "base.html" %}{% block content %}<p id="n">{{ count }}</p>{% endblock %}'
    )
    monkeypatch.setattr(f"{__name__}.TEMPLATES", folder)
    host = make_plugin_host(load_entry_points=False, plugins={"webdemo": _plugin("示范插件")})
    from commons_core import open_commons

    commons = open_commons(
        str(site.commons.engine.url.render_as_string(hide_password=False)), host=host
    )
    site.app = create_app(commons, WebSettings(secret="test-secret"))
    worker = site.client("grid-worker")
    overview = worker.get(site.page("/"))
    assert f'href="{site.page("/webdemo")}"' in overview.text
    assert "示范插件" in overview.text
    page = worker.get(site.page("/webdemo/"))
    zone_count = len(site.households_in(site.zone_one.id))
    assert f'<p id="n">{zone_count}</p>' in page.text, "plugin pages act as the user"
    assert worker.get(site.api("/webdemo/count")).json() == {"households": zone_count}
    document = worker.get("/api/v1/openapi.json").json()
    assert "/api/v1/communities/{community_id}/webdemo/count" in document["paths"]
    commons.close()


def _block_pages() -> WebContribution:
    """The pages of a made-up building block (named in ``BLOCK_PAGES`` by the test)."""

    @get("/count", sync_to_thread=True)
    def block_count(ctx: Ctx) -> dict[str, int]:
        with ctx.unit_of_work(readonly=True) as uow:
            return {"households": uow.households.count()}

    return WebContribution(
        name="blockdemo", title=Label("示范构件", "block demo"), api=[block_count]
    )


def test_a_blocks_pages_are_served_only_while_the_block_is_registered(
    site: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from commons_reference import blocks

    from commons_core import open_commons

    monkeypatch.setattr(blocks, "BLOCK_PAGES", {"blockdemo": f"{__name__}:_block_pages"})
    url = str(site.commons.engine.url.render_as_string(hide_password=False))
    for registered in (True, False):
        extra = {"blockdemo": types.ModuleType("blockdemo")} if registered else {}
        commons = open_commons(url, host=make_plugin_host(load_entry_points=False, plugins=extra))
        site.app = create_app(commons, WebSettings(secret="test-secret"))
        worker = site.client("grid-worker")
        answer = worker.get(site.api("/blockdemo/count"))
        if registered:
            zone_count = len(site.households_in(site.zone_one.id))
            assert answer.json() == {"households": zone_count}, "a block's pages act as the user"
        else:
            assert answer.status_code == 404
        commons.close()


def test_a_bad_contribution_names_the_plugin(site: Any) -> None:
    module = types.ModuleType("broken")

    @hookimpl
    def commons_web_pages() -> list[object]:
        return ["not a contribution"]

    module.commons_web_pages = commons_web_pages  # type: ignore[attr-defined]
    host = make_plugin_host(load_entry_points=False, plugins={"broken": module})
    from commons_core import open_commons

    commons = open_commons(
        str(site.commons.engine.url.render_as_string(hide_password=False)), host=host
    )
    with pytest.raises(PluginError, match="broken"):
        create_app(commons)
    commons.close()


def test_add_member_page(site: Any) -> None:
    home = site.households_in(site.zone_one.id)[0]
    path = site.page(f"/households/{home.id}/members/new")
    worker = site.client("grid-worker")
    form = worker.get(path)
    assert form.status_code == 200
    assert 'name="birth_date"' in form.text
    member = {
        "name": "李小四",
        "relation_to_head": "child",
        "gender": "female",
        "birth_date": "2015-06-01",
        "ethnicity": "han",
        "registration_status": "resident",
    }
    bad = post_form(worker, path, {**member, "birth_date": "明天"})
    assert bad.status_code == 422
    assert 'data-for="birth_date"' in bad.text
    assert 'value="李小四"' in bad.text
    done = post_form(worker, path, member)
    assert done.status_code == 200
    assert done.url.path == site.page(f"/households/{home.id}")
    assert "李小四" in done.text
    assert site.client("clerk").get(path).status_code == 403
