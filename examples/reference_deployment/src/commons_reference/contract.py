"""The published web contract: what a plugin uses to add pages to the reference deployment.

Version :data:`VERSION`. The names in ``__all__`` are the contract: a minor version
adds to it, a major version may change it (then the deployment's major version
changes too). The manual's page "Pages" (``docs/plugins/pages.md``) teaches it.

A plugin declares its pages in its manifest (``web=".web:contribution"``), a
function returning a :class:`WebContribution`, imported only when the web app
starts (so the plugin works where the web app is not installed).

Pages are mounted under ``/c/{community_id}/<name>/`` and API routes under
``/api/v1/communities/{community_id}/<name>/``: a handler declares
``community_id: FromPath[UUID]`` and ``ctx: Ctx`` and works through
``ctx.unit_of_work()``, so the SDK's access rules, scope, masking and audit
apply to plugin pages exactly as to the core's. Every report a plugin declares
gets its page, its downloads and its API route without any of this.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import attrs
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.types import ControllerRouterHandler

from commons_core.errors import PluginError
from commons_core.model import Label
from commons_core.plugins import PluginHost
from commons_reference.context import Ctx, WebContext

__all__ = [
    "VERSION",
    "Ctx",
    "Form",
    "FromDate",
    "FromPath",
    "FromQuery",
    "NavLink",
    "ToDate",
    "WebContext",
    "WebContribution",
    "collect_contributions",
]

VERSION = "1.0"
"""The contract's version: ``major.minor``."""

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
"""A posted HTML form's fields, by name (``data: Form``)."""
FromDate = Annotated[date | None, QueryParameter(name="from")]
"""A period's first day, the query parameter ``from`` (optional)."""
ToDate = Annotated[date | None, QueryParameter(name="to")]
"""A period's last day, the query parameter ``to`` (optional)."""

_NAME = re.compile(r"[a-z][a-z0-9-]{0,39}")


@attrs.frozen
class NavLink:
    """An entry of a community's navigation bar.

    :ivar label: what the entry says.
    :ivar path: the page under the plugin's mount (``""`` for its index, ``"stock"``).
    :ivar permission: shown only to users with this permission (``None``: to everyone).
    """

    label: Label
    path: str = ""
    permission: str | None = None


@attrs.frozen
class WebContribution:
    """A plugin's pages, API routes, navigation entries and templates.

    :ivar name: the URL segment and template folder name (``love-supermarket``).
    :ivar title: the plugin's name as users read it.
    :ivar pages: Litestar route handlers, controllers or routers of HTML pages;
        they are left out of the OpenAPI document.
    :ivar api: Litestar route handlers, controllers or routers of the JSON API.
    :ivar nav: entries of the community navigation bar.
    :ivar templates: a folder of Jinja templates (``templates/page.html`` in the
        package, no sub-folder named after the plugin), rendered as ``"<name>/page.html"``;
        they may extend ``"base.html"`` and use the macros of ``"macros.html"``. Each is
        compiled when the app starts: one that does not, or names a template that is
        in no folder, refuses the plugin naming both.
    """

    name: str
    title: Label
    pages: Sequence[ControllerRouterHandler] = ()
    api: Sequence[ControllerRouterHandler] = ()
    nav: Sequence[NavLink] = ()
    templates: Path | None = None


def collect_contributions(host: PluginHost) -> list[WebContribution]:
    """Every plugin's and building block's contributions, checked: a bad one is an error
    naming the plugin."""
    found: list[WebContribution] = []
    names: dict[str, str] = {}
    from commons_reference.blocks import block_contributions

    offered = [(plugin, list(items or ())) for plugin, items in host.call_each("commons_web_pages")]
    offered += [(block, [item]) for block, item in block_contributions(host)]
    for plugin, items in offered:
        for item in items:
            if not isinstance(item, WebContribution):
                raise PluginError(
                    plugin,
                    f"commons_web_pages 应返回 WebContribution,而不是 {type(item).__name__}",
                    f"commons_web_pages must return WebContribution, not {type(item).__name__}",
                )
            if not _NAME.fullmatch(item.name) or item.name in names:
                raise PluginError(
                    plugin,
                    f"网页名称 {item.name!r} 无效或已被 {names.get(item.name, '?')} 使用",
                    f"web name {item.name!r} is invalid or used by {names.get(item.name, '?')}",
                )
            if item.templates is not None and not item.templates.is_dir():
                raise PluginError(
                    plugin,
                    f"模板目录不存在:{item.templates}",
                    f"template folder does not exist: {item.templates}",
                )
            names[item.name] = plugin
            found.append(item)
    return found
