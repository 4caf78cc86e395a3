"""A plugin's templates (issue 15, item 13): what is missing is reported as what it is.

A page whose template is not there is the deployment's fault, answered 500
"template X of plugin Y not found" and logged, never "bad request"; a plugin
whose folder holds a template that does not compile, or that extends or
includes one that is in no folder, is refused when the app starts, naming the
plugin and the template. A page that writes in a read-only unit of work is a
bug of the page: 500 and logged, not 400.
"""

from __future__ import annotations

import logging
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import pytest
from commons_reference import WebSettings, create_app
from commons_reference.contract import Ctx, WebContribution
from litestar import get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from commons_core import hookimpl, open_commons
from commons_core.errors import PluginError
from commons_core.model import Label
from commons_core.plugins import make_plugin_host

GOOD = {
    "index.html": '{% extends "base.html" %}{% block content %}'
    '<p id="n">{{ count }}</p>{% if part %}{% include part %}{% endif %}{% endblock %}',
    "part.html": '<p id="part">{% import "macros.html" as m %}part</p>',
}


def _plugin(folder: Path) -> types.ModuleType:
    @get("/", sync_to_thread=True)
    def index(ctx: Ctx, community_id: FromPath[UUID], part: FromQuery[str] = "") -> Template:
        with ctx.unit_of_work(readonly=True) as uow:
            count = uow.households.count()
        return ctx.render("tpl/index.html", count=count, part=part)

    @get("/absent", sync_to_thread=True)
    def absent(ctx: Ctx, community_id: FromPath[UUID]) -> Template:
        return ctx.render("tpl/absent.html")

    @get("/core-absent", sync_to_thread=True)
    def core_absent(ctx: Ctx, community_id: FromPath[UUID]) -> Template:
        return ctx.render("no-such-page.html")

    @get("/rename", sync_to_thread=True)
    def rename(ctx: Ctx, community_id: FromPath[UUID]) -> Template:
        with ctx.unit_of_work(readonly=True) as uow:  # the bug: a read-only unit that writes
            place = uow.households.find(limit=1)[0]
            uow.households.update(attrs.evolve(place, room="改"))
        return ctx.render("tpl/index.html", count=0, part="")

    module = types.ModuleType("tpl")

    @hookimpl
    def commons_web_pages() -> list[object]:
        return [
            WebContribution(
                name="tpl",
                title=Label("模板", "templates"),
                pages=[index, absent, core_absent, rename],
                templates=folder,
            )
        ]

    module.commons_web_pages = commons_web_pages  # type: ignore[attr-defined]
    return module


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "tpl-templates"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _app(site: Any, folder: Path) -> Any:
    host = make_plugin_host(load_entry_points=False, plugins={"tpl": _plugin(folder)})
    url = site.commons.engine.url.render_as_string(hide_password=False)
    return create_app(open_commons(url, host=host), WebSettings(secret="test-secret"))


@contextmanager
def _errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Capture the app's error log: Litestar's logging set-up replaces the root logger's
    handlers (caplog's among them) when the app starts, so its handler goes on the app's
    logger itself."""
    logger = logging.getLogger("commons_reference")
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.ERROR, logger="commons_reference"):
            yield
    finally:
        logger.removeHandler(caplog.handler)


def test_a_missing_template_is_a_logged_500_naming_it_and_its_plugin(
    site: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site.app = _app(site, _folder(tmp_path, GOOD))
    cadre = site.client("cadre")
    page = cadre.get(site.page("/tpl/"), params={"part": "tpl/part.html"})
    assert page.status_code == 200 and 'id="part"' in page.text
    cases = {
        "/tpl/absent": ("tpl/absent.html", "of plugin tpl"),
        # Named at render time, where no check at start can see it.
        "/tpl/?part=tpl/gone.html": ("tpl/gone.html", "of plugin tpl"),
        "/tpl/core-absent": ("no-such-page.html", "of the reference deployment"),
    }
    for path, (template, whose) in cases.items():
        caplog.clear()
        with _errors_logged(caplog):
            answer = cadre.get(site.page(path))
        assert answer.status_code == 500, path
        assert f"template {template} {whose} not found" in answer.text
        assert template in answer.text and "不存在" in answer.text
        assert "bad request" not in answer.text and "请求无效" not in answer.text
        logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert any(f"template {template} {whose}" in m for m in logged), logged


def test_a_write_in_a_read_only_page_is_a_logged_500(
    site: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site.app = _app(site, _folder(tmp_path, GOOD))
    with _errors_logged(caplog):
        answer = site.client("cadre").get(site.page("/tpl/rename"))
    assert answer.status_code == 500
    assert "internal error" in answer.text and "readonly" not in answer.text
    assert any("read-only unit of work" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("files", "zh", "en"),
    [
        (
            {**GOOD, "index.html": '{% extends "bse.html" %}'},
            "模板 tpl/index.html 引用的模板 bse.html 不存在",
            "template tpl/index.html names template bse.html, which does not exist",
        ),
        (
            {**GOOD, "part.html": '{% include "tpl/parts.html" %}'},
            "引用的模板 tpl/parts.html 不存在",
            "template tpl/part.html names template tpl/parts.html",
        ),
        (
            {**GOOD, "part.html": "<p>\n{% if x %}never closed\n"},
            "模板 tpl/part.html 第 2 行有语法错误",
            "template tpl/part.html has a syntax error on line 2",
        ),
    ],
)
def test_a_plugin_whose_templates_are_broken_is_refused_at_start(
    site: Any, tmp_path: Path, files: dict[str, str], zh: str, en: str
) -> None:
    with pytest.raises(PluginError) as refused:
        _app(site, _folder(tmp_path, files))
    assert refused.value.plugin == "tpl"
    assert zh in refused.value.zh
    assert en in refused.value.en
