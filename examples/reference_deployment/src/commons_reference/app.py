"""The ASGI application: pages, JSON API, sessions, CSRF, templates, static files.

:func:`create_app` builds it around an open SDK handle; :func:`app_from_environment`
is the factory uvicorn workers call (``uvicorn --factory
commons_reference.app:app_from_environment``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape
from litestar import Litestar, Request, Router
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler

from commons_core.model import Household, Resident
from commons_core.services import Commons
from commons_core.services.sessions import Clock, SessionStore, utc_now
from commons_core.services.throttling import HashingSlots, LoginBusy, Logins, LoginThrottled
from commons_reference import api, auth, pages, report_pages
from commons_reference.bodies import BODY_DECODERS, BodySchemas
from commons_reference.context import WebContext
from commons_reference.contract import WebContribution, collect_contributions
from commons_reference.csrf import check_csrf
from commons_reference.errors import exception_handlers
from commons_reference.headers import security_headers
from commons_reference.limits import MAX_BODY_BYTES, BoundedRequest, refuse_nul
from commons_reference.sessions import (
    STATIC,
    Admission,
    Auth,
    SessionMiddleware,
    require_login,
)
from commons_reference.settings import WebSettings
from commons_reference.template_check import check_templates

__all__ = ["app_from_environment", "create_app"]

HERE = Path(__file__).parent


def _templates(contributions: Sequence[WebContribution]) -> Environment:
    plugin_folders = {
        c.name: FileSystemLoader(c.templates) for c in contributions if c.templates is not None
    }
    environment = Environment(
        loader=ChoiceLoader([FileSystemLoader(HERE / "templates"), PrefixLoader(plugin_folders)]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(Household=Household, Resident=Resident)
    check_templates(environment, contributions)
    return environment


def _routes(contributions: Sequence[WebContribution]) -> list[ControllerRouterHandler]:
    routes: list[ControllerRouterHandler] = [
        auth.AuthPages,
        auth.AccountPages,
        pages.HomePages,
        pages.CommunityPages,
        report_pages.ReportPages,
        *api.ApiControllers,
        create_static_files_router(
            path="/static",
            directories=[HERE / "static"],
            include_in_schema=False,
            opt={STATIC: True},
        ),
    ]
    for item in contributions:
        if item.pages:
            routes.append(
                Router(
                    path=f"/c/{{community_id:uuid}}/{item.name}",
                    route_handlers=list(item.pages),
                    include_in_schema=False,
                )
            )
        if item.api:
            routes.append(
                Router(
                    path=f"{api.API_PATH}/communities/{{community_id:uuid}}/{item.name}",
                    route_handlers=list(item.api),
                    tags=[item.name],
                )
            )
    return routes


def create_app(
    commons: Commons,
    settings: WebSettings | None = None,
    *,
    debug: bool = False,
    clock: Clock = utc_now,
) -> Litestar:
    """The web application over ``commons``, with every plugin's pages.

    Every route needs a login but the login itself, the language switch and static
    files (:func:`~commons_reference.sessions.require_login`); every request that may
    change something needs its session's CSRF token
    (:func:`~commons_reference.csrf.check_csrf`); every answer carries the security
    headers (:mod:`commons_reference.headers`).

    :param commons: the open SDK; the app acts through it as the logged-in user.
    :param settings: secret, cookie security, timeouts, page size (default: a random
        secret).
    :param clock: what tells the sessions and the login throttle the time (tests).
    """
    settings = settings or WebSettings()
    contributions = collect_contributions(commons.host)

    def provide_context(request: Request[Any, Any, Any]) -> WebContext:
        return WebContext(request, commons, settings, contributions)

    slots = HashingSlots(settings.hashing_slots, settings.hashing_wait)
    logins = Auth(
        sessions=SessionStore(commons, settings.session_policy, clock),
        logins=Logins(commons, slots=slots, clock=clock),
        settings=settings,
        # Room for the throttle's and the session's database work beside every hash.
        admission=Admission(2 * slots.slots, settings.hashing_wait),
        known_devices=Admission(slots.slots, settings.hashing_wait),
    )
    return Litestar(
        route_handlers=_routes(contributions),
        request_class=BoundedRequest,
        type_decoders=BODY_DECODERS,
        plugins=[BodySchemas()],
        request_max_body_size=MAX_BODY_BYTES,
        dependencies={"ctx": Provide(provide_context, sync_to_thread=False)},
        middleware=[SessionMiddleware()],
        guards=[refuse_nul, require_login, check_csrf],
        before_send=[security_headers(https=settings.secure_cookies)],
        template_config=TemplateConfig(
            engine=JinjaTemplateEngine.from_environment(_templates(contributions))
        ),
        openapi_config=OpenAPIConfig(
            title="commons reference deployment API",
            version="1",
            description="社区居委会数据平台 JSON API / the JSON API of the reference deployment.",
            path=api.API_PATH,
            render_plugins=[JsonRenderPlugin()],
        ),
        exception_handlers={
            **exception_handlers(),
            LoginThrottled: auth.refused_login,
            LoginBusy: auth.refused_login,
        },
        state=_state(commons, settings, contributions, logins),
        debug=debug,
    )


def _state(
    commons: Commons,
    settings: WebSettings,
    contributions: Sequence[WebContribution],
    logins: Auth,
) -> Any:
    from litestar.datastructures import State

    return State(
        {"commons": commons, "settings": settings, "contributions": contributions, "auth": logins}
    )


def app_from_environment() -> Litestar:
    """The app for a uvicorn worker: database from ``COMMONS_DATABASE_URL``, PostgreSQL
    application role from ``COMMONS_APP_ROLE`` (optional), secret from
    ``COMMONS_WEB_SECRET`` (see :class:`~commons_reference.settings.WebSettings`)."""
    from commons_core import open_commons

    commons = open_commons(
        os.environ.get("COMMONS_DATABASE_URL"), app_role=os.environ.get("COMMONS_APP_ROLE") or None
    )
    return create_app(commons, WebSettings.from_environment())
