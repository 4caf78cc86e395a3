"""Logging in and out, the language switch, and changing one's own password.

Logins go through :class:`commons_core.services.throttling.Logins` (throttled
per user name and address, bounded hashing) and start a server-side session
(:mod:`commons_reference.sessions`). A refused login answers 401 (wrong user name
or password, alike), 429 while the name or address is blocked and 503 when the
server is too busy hashing, the last two with ``Retry-After``.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from commons_core.errors import AccessDenied, Problem, ValidationError
from commons_core.services.throttling import LoginBusy, LoginThrottled
from commons_core.services.users import MIN_PASSWORD
from commons_reference import errors, i18n
from commons_reference.context import Ctx, safe_next
from commons_reference.contract import Form
from commons_reference.errors import ErrorBody
from commons_reference.forms import problems_by_path
from commons_reference.sessions import (
    PUBLIC,
    client_address,
    current_session,
    log_in,
    log_out,
    start_session,
)

__all__ = ["AccountPages", "AuthPages", "login_refusal", "refused_login"]

PASSWORD_PAGE = "/account/password"


def login_refusal(error: Exception) -> tuple[int, tuple[str, str], dict[str, str]]:
    """The status, bilingual message and headers answering a refused login."""
    if isinstance(error, LoginThrottled | LoginBusy):
        status = 429 if isinstance(error, LoginThrottled) else 503
        return status, (error.zh, error.en), {"retry-after": str(error.retry_after)}
    return 401, ("用户名或密码错误", "wrong user name or password"), {}


def refused_login(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """Exception handler: a throttled or busy login of the API, as JSON with ``Retry-After``
    (the pages answer their forms themselves)."""
    if not request.url.path.startswith("/api/"):
        return errors.handle(request, error)
    status, (zh, en), headers = login_refusal(error)
    return Response(
        ErrorBody(status, zh, en), status_code=status, headers=headers, media_type=MediaType.JSON
    )


class AuthPages(Controller):
    """Logging in and out, and choosing the language."""

    include_in_schema = False

    @get("/login", sync_to_thread=True, opt={PUBLIC: True})
    def login_form(
        self, ctx: Ctx, next_: Annotated[str | None, QueryParameter(name="next")] = None
    ) -> Template | Redirect:
        """The login page (or straight on, when already logged in)."""
        if ctx.user is not None:
            return Redirect(path=safe_next(next_))
        return ctx.render("login.html", next=safe_next(next_), error=None, username="")

    @post("/login", opt={PUBLIC: True})
    async def login(
        self, ctx: Ctx, request: Request[Any, Any, Any], data: Form
    ) -> Template | Redirect:
        """Check the password through the throttle; on success start a session and go on."""
        username = str(data.get("username", "")).strip()
        password = str(data.get("password", ""))
        target = safe_next(str(data.get("next") or "/"))
        try:
            await log_in(request, username, password)
        except (AccessDenied, LoginThrottled, LoginBusy) as error:
            status, message, headers = login_refusal(error)
            page = ctx.render(
                "login.html", status_code=status, next=target, username=username, error=message
            )
            page.headers.update(headers)
            return page
        return Redirect(path=target, status_code=303)

    @post("/logout", sync_to_thread=True)
    def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        """End this client's session (others of the same user stay)."""
        log_out(request)
        return Redirect(path="/login", status_code=303)

    @get("/language/{language:str}", sync_to_thread=False, opt={PUBLIC: True})
    def language(
        self,
        language: FromPath[str],
        next_: Annotated[str | None, QueryParameter(name="next")] = None,
    ) -> Redirect:
        """Switch between Chinese and English (kept in a cookie for a year)."""
        response = Redirect(path=safe_next(next_))
        response.set_cookie(
            i18n.LANGUAGE_COOKIE,
            i18n.parse_language(language),
            max_age=365 * 24 * 3600,
            samesite="lax",
            httponly=True,
        )
        return response


class AccountPages(Controller):
    """The logged-in user's own account."""

    include_in_schema = False

    @get(PASSWORD_PAGE, sync_to_thread=False)
    def password_form(self, ctx: Ctx, changed: FromQuery[bool] = False) -> Template:
        """The form changing one's own password."""
        return ctx.render(
            "password.html", problems=[], errors={}, changed=changed, min_length=MIN_PASSWORD
        )

    @post(PASSWORD_PAGE, sync_to_thread=True)
    def change_password(
        self, ctx: Ctx, request: Request[Any, Any, Any], data: Form
    ) -> Template | Redirect:
        """Change the password given the current one; every session of the user ends,
        and this client gets a new one."""
        session = current_session(request)
        assert session is not None  # the login guard let the request through
        old = str(data.get("old_password", ""))
        new = str(data.get("new_password", ""))
        if new != str(data.get("new_password_again", "")):
            problem = Problem(
                "new_password_again",
                None,
                "password.mismatch",
                "两次输入的新密码不一致",
                "the new password and its repetition differ",
            )
            return self._again(ctx, [problem])
        logins = request.app.state.auth.logins
        try:
            logins.change_password(session.account, old, new, client_address(request))
        except ValidationError as error:
            return self._again(ctx, list(error.problems))
        except (LoginThrottled, LoginBusy) as error:
            status, (zh, en), headers = login_refusal(error)
            page = self._again(ctx, [Problem("old_password", None, "login.throttled", zh, en)])
            page.status_code = status
            page.headers.update(headers)
            return page
        start_session(request, session.account)
        return Redirect(path=f"{PASSWORD_PAGE}?changed=true", status_code=303)

    def _again(self, ctx: Ctx, problems: list[Problem]) -> Template:
        return ctx.render(
            "password.html",
            status_code=422,
            problems=problems,
            errors=problems_by_path(problems),
            changed=False,
            min_length=MIN_PASSWORD,
        )
