"""Logins of the web app, kept on the server (:mod:`commons_core.services.sessions`).

The ``commons_session`` cookie (HttpOnly, ``Secure`` unless the deployment says
otherwise, SameSite=Lax) holds only the session's random token. On every request
:class:`SessionMiddleware` looks the session up once (in a worker thread) and
keeps it in the request's state; :func:`require_login` then refuses every route
not marked public when there is none (401, which pages show as a redirect to the
login page), for core's routes and plugins' alike. :func:`log_in` and
:func:`log_out` start and end sessions; the answer's cookies follow.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import secrets
import threading
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import attrs
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.handlers import BaseRouteHandler
from litestar.middleware import ASGIMiddleware

from commons_core.services.sessions import LoginSession, SessionStore
from commons_core.services.throttling import LoginBusy, Logins
from commons_core.services.users import UserAccount
from commons_reference.context import NotLoggedIn
from commons_reference.csrf import CSRF_COOKIE, csrf_token, publish_token
from commons_reference.settings import WebSettings

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "DEVICE_COOKIE",
    "PRELOGIN_COOKIE",
    "PUBLIC",
    "SESSION_COOKIE",
    "STATIC",
    "Admission",
    "Auth",
    "SessionMiddleware",
    "client_address",
    "current_session",
    "known_device",
    "log_in",
    "log_out",
    "require_login",
    "start_session",
]

SESSION_COOKIE = "commons_session"
PRELOGIN_COOKIE = "commons_prelogin"
DEVICE_COOKIE = "commons_device"
DEVICE_DAYS = 180
PUBLIC = "public"
"""Route option: the route answers without a login (the login itself, the language)."""
STATIC = "static_files"
"""Route option: static files, served without looking up a session."""
_SESSION = "commons.session"
_TOKEN = "commons.session_token"
_NEW_TOKEN = "commons.new_session_token"
_PRELOGIN = "commons.prelogin"
_NEW_DEVICE = "commons.new_device"
POLL = 0.02
"""Seconds between two looks for a free place among the logins in flight."""


class Admission:
    """At most ``size`` logins in flight in this process; one more waits up to ``wait``
    seconds for a place, polling without holding a thread, then is answered busy.

    :param size: logins in flight (checking the throttle, hashing, starting a session).
    :param wait: seconds an attempt waits for a place before :class:`LoginBusy`.
    """

    def __init__(self, size: int, wait: float) -> None:
        self.size = size
        self.wait = wait
        self._places = threading.BoundedSemaphore(size)

    @contextlib.asynccontextmanager
    async def place(self) -> AsyncIterator[None]:
        """Hold a place for the ``async with`` block."""
        deadline = time.monotonic() + self.wait
        while not self._places.acquire(blocking=False):
            if time.monotonic() >= deadline:
                raise LoginBusy(max(1, math.ceil(self.wait)))
            await anyio.sleep(POLL)
        try:
            yield
        finally:
            self._places.release()


@attrs.frozen
class Auth:
    """What the app logs in with, kept in ``app.state.auth``."""

    sessions: SessionStore
    logins: Logins
    settings: WebSettings
    admission: Admission
    """Places of logins from browsers not known to the user name tried."""
    known_devices: Admission
    """Places of logins from browsers that logged in as that user before."""

    def binding(self, state: dict[str, Any]) -> str:
        """What this request's CSRF token is bound to: its session, else its pre-login value."""
        session: LoginSession | None = state.get(_SESSION)
        if session is not None:
            return f"session:{session.id}"
        return f"prelogin:{state[_PRELOGIN]}"

    def token(self, state: dict[str, Any]) -> str:
        """The CSRF token this request must send back."""
        return csrf_token(self.settings.csrf_key, self.binding(state))


def _auth(scope: Any) -> Auth:
    found: Auth = scope["app"].state.auth
    return found


def current_session(request: Request[Any, Any, Any]) -> LoginSession | None:
    """The session the request belongs to, if one is in force."""
    session: LoginSession | None = request.scope["state"].get(_SESSION)
    return session


def client_address(request: Request[Any, Any, Any]) -> str | None:
    """The client's address (the proxy's ``X-Forwarded-For`` when uvicorn trusts it)."""
    return request.client.host if request.client else None


def start_session(request: Request[Any, Any, Any], account: UserAccount) -> LoginSession:
    """A new session for ``account`` on this client; the answer sets its cookie."""
    auth = _auth(request.scope)
    token, session = auth.sessions.start(account, client_address(request))
    state = request.scope["state"]
    state[_SESSION] = session
    state[_NEW_TOKEN] = token
    publish_token(request.scope, auth.token(state))
    return session


async def log_in(request: Request[Any, Any, Any], username: str, password: str) -> LoginSession:
    """Check the password (throttled, bounded hashing) and start a session.

    The attempt first needs a place among this process's logins in flight
    (:class:`Admission`), waited for without holding a thread, so a crowd of guesses
    never takes the threads every other request of the app needs. A session the
    client already had ends: every login gets a fresh token.

    :raises commons_core.services.throttling.LoginThrottled: too many attempts.
    :raises commons_core.services.throttling.LoginBusy: no room or no hashing slot in time.
    :raises commons_core.errors.AccessDenied: wrong user name or password.
    """
    auth = _auth(request.scope)
    device = known_device(request, username)
    refused = auth.logins.known_block(username, client_address(request), device)
    if refused is not None:
        raise refused
    lane = auth.known_devices if device else auth.admission
    async with lane.place():
        return await anyio.to_thread.run_sync(_log_in, request, username, password, device)


def _log_in(
    request: Request[Any, Any, Any], username: str, password: str, device: str | None
) -> LoginSession:
    auth = _auth(request.scope)
    account = auth.logins.login(username, password, client_address(request), device)
    log_out(request)
    if device is None:
        nonce = secrets.token_urlsafe(16)
        request.scope["state"][_NEW_DEVICE] = f"{nonce}.{_device_mac(auth, username, nonce)}"
    return start_session(request, account)


def known_device(request: Request[Any, Any, Any], username: str) -> str | None:
    """The id of this browser if its device cookie says it logged in as ``username`` before.

    The cookie (``commons_device``: a random id and its HMAC with the user name, under a
    key of the app's secret) is set at every login on a new device. OWASP's device
    cookies: attempts from such a browser are throttled on their own and have their
    own places among the logins in flight, so a crowd of guesses from elsewhere
    neither locks its user out nor keeps it waiting.
    """
    nonce, _, mac = (request.cookies.get(DEVICE_COOKIE) or "").partition(".")
    if not nonce or len(nonce) > 64:
        return None
    expected = _device_mac(_auth(request.scope), username, nonce)
    return nonce if hmac.compare_digest(mac.encode(), expected.encode()) else None


def _device_mac(auth: Auth, username: str, nonce: str) -> str:
    message = f"{username}\0{nonce}".encode("utf-8", "surrogatepass")
    return hmac.new(auth.settings.device_key, message, hashlib.sha256).hexdigest()


def log_out(request: Request[Any, Any, Any]) -> None:
    """End the request's session (on this client only); the answer deletes its cookie."""
    auth = _auth(request.scope)
    state = request.scope["state"]
    token = state.get(_TOKEN)
    if token:
        auth.sessions.end(token)
    state[_SESSION] = None
    state[_TOKEN] = None
    state[_NEW_TOKEN] = ""
    state.setdefault(_PRELOGIN, None)
    if state[_PRELOGIN] is None:
        state[_PRELOGIN] = secrets.token_urlsafe(32)
    publish_token(request.scope, auth.token(state))


def require_login(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Guard of the whole app: a route not marked :data:`PUBLIC` needs a session."""
    if handler.opt.get(PUBLIC) or handler.opt.get(STATIC):
        return
    if connection.scope["state"].get(_SESSION) is None:
        raise NotLoggedIn


class SessionMiddleware(ASGIMiddleware):
    """Look the session up once per request and keep the answer's cookies in step."""

    scopes = (ScopeType.HTTP,)
    exclude_opt_key = STATIC

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Resolve the session, publish the CSRF token, then set or clear cookies."""
        auth = _auth(scope)
        cookies = Request[Any, Any, Any](scope).cookies
        token = cookies.get(SESSION_COOKIE) or None
        session = None
        if token is not None and len(token) <= 128:
            session = await anyio.to_thread.run_sync(auth.sessions.resume, token)
        prelogin = cookies.get(PRELOGIN_COOKIE) or None
        new_prelogin = session is None and (prelogin is None or len(prelogin) > 128)
        if new_prelogin:
            prelogin = secrets.token_urlsafe(32)
        state = scope["state"]
        state.update({_SESSION: session, _TOKEN: token if session else None, _PRELOGIN: prelogin})
        publish_token(scope, auth.token(state))
        stale = token is not None and session is None
        sent_csrf = cookies.get(CSRF_COOKIE)

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                settings = auth.settings
                new_token = state.get(_NEW_TOKEN)
                if new_token is not None or stale:
                    headers.add("set-cookie", _cookie(settings, SESSION_COOKIE, new_token or None))
                if state[_PRELOGIN] is not None and (new_prelogin or state.get(_NEW_TOKEN) == ""):
                    headers.add("set-cookie", _cookie(settings, PRELOGIN_COOKIE, state[_PRELOGIN]))
                if state.get(_NEW_DEVICE):
                    device = _cookie(settings, DEVICE_COOKIE, state[_NEW_DEVICE], days=DEVICE_DAYS)
                    headers.add("set-cookie", device)
                expected = auth.token(state)
                if sent_csrf != expected:
                    headers.add(
                        "set-cookie", _cookie(settings, CSRF_COOKIE, expected, httponly=False)
                    )
            await send(message)

        await next_app(scope, receive, send_with_cookies)


def _cookie(
    settings: WebSettings,
    key: str,
    value: str | None,
    *,
    httponly: bool = True,
    days: int | None = None,
) -> str:
    """A ``Set-Cookie`` value lasting a session (or ``days``); ``None`` deletes the cookie."""
    lasting = days * 86400 if days else settings.session_hours * 3600
    cookie = Cookie(
        key=key,
        value=value or "",
        path="/",
        max_age=lasting if value else 0,
        secure=settings.secure_cookies,
        httponly=httponly,
        samesite="lax",
    )
    return cookie.to_header(header="")
