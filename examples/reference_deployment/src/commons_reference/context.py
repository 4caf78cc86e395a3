"""The request context every page and API handler gets as ``ctx``.

It knows who is logged in, speaks the user's language, formats dates and
money, opens units of work as the user's actor, and renders templates with
the layout's navigation. Plugins' handlers get the same object.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias
from uuid import UUID

import attrs
from litestar import Request
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from markupsafe import Markup

from commons_core.access import Actor
from commons_core.model import Label, LabeledEnum, field_info
from commons_core.services import Commons, UnitOfWork
from commons_core.services.users import UserAccount
from commons_reference import i18n
from commons_reference.settings import WebSettings

if TYPE_CHECKING:
    from commons_reference.contract import WebContribution

__all__ = ["Ctx", "NavItem", "NotLoggedIn", "WebContext", "safe_next"]


class NotLoggedIn(Exception):
    """The request needs a logged-in user and has none (or their account was disabled)."""


@attrs.frozen
class NavItem:
    """A link of the navigation bar, ready to show."""

    label: str
    href: str
    active: bool


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


class WebContext:
    """Everything a handler needs about the current request."""

    def __init__(
        self,
        request: Request[Any, Any, Any],
        commons: Commons,
        settings: WebSettings,
        contributions: Sequence[WebContribution],
    ) -> None:
        self.request = request
        self.commons = commons
        self.settings = settings
        self.contributions = contributions
        self.language: i18n.Language = i18n.parse_language(
            request.cookies.get(i18n.LANGUAGE_COOKIE)
        )

    # -- who ----------------------------------------------------------------

    @property
    def user(self) -> UserAccount | None:
        """The logged-in user: the account of the request's server-side session, as it was
        read at the start of this request (so disabling one takes effect at once)."""
        from commons_reference.sessions import current_session

        session = current_session(self.request)
        return session.account if session is not None else None

    @property
    def known_user(self) -> UserAccount | None:
        """The logged-in user (kept for error pages: it costs no query)."""
        return self.user

    @property
    def actor(self) -> Actor:
        """The logged-in user's actor; :class:`NotLoggedIn` without one."""
        if self.user is None:
            raise NotLoggedIn
        return self.user.actor()

    def unit_of_work(self, *, readonly: bool = False) -> UnitOfWork:
        """A unit of work acting as the logged-in user: ``with ctx.unit_of_work() as uow:``."""
        return self.commons.unit_of_work(self.actor, readonly=readonly)

    def can(self, permission: str) -> bool:
        """Whether the logged-in user has ``permission`` (``False`` when nobody is logged in)."""
        return self.user is not None and self.commons.access.allows(self.actor, permission)

    # -- language and formats ----------------------------------------------------

    def t(self, zh: str, en: str) -> str:
        """``zh`` or ``en`` in the user's language."""
        return i18n.text(self.language, zh, en)

    def label(self, item: Label | LabeledEnum | None) -> str:
        """A bilingual label or enum member in the user's language."""
        return i18n.label_text(self.language, item)

    def field(self, model: type, name: str) -> Label:
        """The bilingual label of a model's field."""
        return field_info(attrs.fields_dict(model)[name]).label

    def both(self, item: Label | LabeledEnum) -> Markup:
        """A label in the user's language with the other language beside it, smaller."""
        first, second = (item.en, item.zh) if self.language == "en" else (item.zh, item.en)
        return Markup('{} <span class="alt" lang="{}">{}</span>').format(
            first, "zh" if self.language == "en" else "en", second
        )

    def options(self, members: Sequence[LabeledEnum]) -> list[tuple[str, str]]:
        """``(value, label)`` pairs of enum members for a select box."""
        return [(m.value, self.label(m)) for m in members]

    def day(self, value: date | None) -> str:
        """A date the Chinese way (``2026年11月27日``) or the English way."""
        return i18n.format_day(self.language, value)

    def month(self, value: date | None) -> str:
        """The month of a date: ``2026年11月`` or ``Nov 2026``."""
        return i18n.format_month(self.language, value)

    def moment(self, value: datetime | None) -> str:
        """A date and time in China time."""
        return i18n.format_moment(self.language, value)

    def money(self, value: Decimal | int | None) -> str:
        """``¥1,234.50``."""
        return i18n.format_money(value)

    def number(self, value: int | Decimal | None) -> str:
        """``5,835``, or a dash for a withheld figure."""
        return i18n.format_number(value)

    # -- pages -----------------------------------------------------------------

    def nav(self, community_id: UUID | None) -> list[NavItem]:
        """The navigation bar of a community's pages, with what this user may open."""
        if community_id is None or self.user is None:
            return []
        base = f"/c/{community_id}"
        path = self.request.url.path
        entries: list[tuple[str, str, str | None]] = [
            (self.t("概况", "Overview"), f"{base}/", None),
            (self.t("住户", "Households"), f"{base}/households", "household:list"),
            (self.t("报表", "Reports"), f"{base}/reports", None),
            (self.t("审计记录", "Audit trail"), f"{base}/audit", "audit:read"),
        ]
        for contribution in self.contributions:
            for link in contribution.nav:
                href = f"{base}/{contribution.name}/{link.path}".rstrip("/")
                entries.append((self.label(link.label), href, link.permission))
        shown = [
            (label, href)
            for label, href, permission in entries
            if permission is None or self.can(permission)
        ]
        # A plugin's index is a prefix of its other pages: the longest link that matches is current.
        matching = [
            href
            for _, href in shown
            if path == href or (href != f"{base}/" and path.startswith(href))
        ]
        current = max(matching, key=len, default=None)
        return [NavItem(label, href, active=href == current) for label, href in shown]

    def render(self, template: str, *, status_code: int = 200, **values: Any) -> Template:
        """A page from ``template`` with the layout's context (``ctx``, ``_``, ``nav``)."""
        community = values.get("community")
        context = {
            "ctx": self,
            "_": self.t,
            "nav": self.nav(getattr(community, "id", None)),
            **values,
        }
        return Template(template_name=template, context=context, status_code=status_code)

    def redirect(self, path: str) -> Redirect:
        """A redirect after a successful form (303, so the browser follows with GET)."""
        return Redirect(path=path, status_code=303)


Ctx: TypeAlias = NamedDependency[WebContext]
"""How a handler asks for the context: ``def page(ctx: Ctx, community_id: FromPath[UUID])``."""
