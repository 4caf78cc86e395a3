"""Security headers on every answer: pages, API, errors, static files and unknown paths.

Installed as a ``before_send`` hook, which Litestar runs for every response of
the app, including the 404 of a path no route matches (route middleware never
sees those). The pages have no script at all and no inline style (the charts'
SVG uses presentation attributes, which CSP does not govern), so the policy
allows scripts and styles from this site only: an injected ``<script>``, event
handler or ``style`` attribute does nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.datastructures import MutableScopeHeaders

if TYPE_CHECKING:
    from litestar.types import BeforeMessageSendHookHandler, Message, Scope

__all__ = ["CONTENT_SECURITY_POLICY", "security_headers"]

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
HSTS = "max-age=31536000"


def security_headers(*, https: bool) -> BeforeMessageSendHookHandler:
    """The ``before_send`` hook; with ``https`` it also sends ``Strict-Transport-Security``.

    Answers other than static files are marked ``Cache-Control: no-store`` unless
    they say otherwise: pages hold personal data, and a shared office computer's
    cache or back button must not show them after logout.
    """
    extra = {"strict-transport-security": HSTS} if https else {}

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in (HEADERS | extra).items():
            headers[name] = value
        if not str(scope.get("path", "")).startswith("/static/") and "cache-control" not in headers:
            headers["cache-control"] = "no-store"

    return add_headers
