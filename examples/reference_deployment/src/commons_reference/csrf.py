"""CSRF tokens bound to the session: a token of one session is worthless in another.

The token is the HMAC-SHA256, under a key derived from the app's secret, of what the
request is bound to: the server-side session's id once logged in, and before that
a random value in an HttpOnly cookie of its own (so the login form is protected
too: a login CSRF would need the victim's value, which no other site can read).
Forms send it in the hidden input ``_csrf_token`` (``{{ csrf_token() }}``), API
clients in the ``X-CSRFToken`` header; it is also in the ``csrftoken`` cookie,
readable by scripts of this site only, for API clients that keep cookies.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.utils.scope.state import ScopeState

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SAFE_METHODS",
    "check_csrf",
    "csrf_token",
    "publish_token",
]

CSRF_COOKIE = "csrftoken"
CSRF_HEADER = "x-csrftoken"
CSRF_FIELD = "_csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def csrf_token(key: bytes, binding: str) -> str:
    """The token of the session or pre-login value ``binding``, under ``key``."""
    return hmac.new(key, binding.encode(), hashlib.sha256).hexdigest()


def publish_token(scope: Any, token: str) -> None:
    """Make ``token`` what the templates' ``csrf_token()`` gives for this request."""
    ScopeState.from_scope(scope).csrf_token = token


async def check_csrf(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: a request that may change something carries the token of its own session.

    Runs after the login guard, so an anonymous request is refused as not logged in
    first (public routes, the login itself, are checked against the pre-login value).
    """
    if connection.scope.get("method", "GET") in SAFE_METHODS:
        return
    expected = ScopeState.from_scope(connection.scope).csrf_token
    submitted = connection.headers.get(CSRF_HEADER)
    if submitted is None and isinstance(connection, Request):
        content_type, _options = connection.content_type
        if content_type in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
            value = (await connection.form()).get(CSRF_FIELD)
            submitted = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not expected or submitted is None:
        raise PermissionDeniedException("CSRF token missing")
    if not hmac.compare_digest(submitted.encode(), expected.encode()):
        raise PermissionDeniedException("CSRF token of another session")
