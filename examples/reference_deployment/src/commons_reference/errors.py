"""Every failure becomes a bilingual answer: a JSON error under ``/api/``, a page elsewhere.

Status codes: 400 a request that misuses the interface (``UsageError``), 401 not
logged in, 403 refused, 404 absent or out of scope (alike, so nobody learns what
exists outside their scope), 409 changed by someone else, a unique value taken
(the fields named, never the value) or an operation a domain rule refuses in the
records' present state (``Refused``: out of stock, over a quota), 422 bad input
with every problem and its path, a name that matches several records among them
(``AmbiguousReference``), 500 for the unexpected (logged; the answer shows no
traceback).
"""

from __future__ import annotations

import logging
from typing import Any

import attrs
from jinja2 import TemplateNotFound
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
)
from litestar.exceptions import NotFoundException as RouteNotFound
from litestar.exceptions import ValidationException as RequestInvalid
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap

from commons_core.errors import (
    AccessDenied,
    AmbiguousReference,
    CommonsError,
    ConflictError,
    DuplicateError,
    NotFound,
    PluginError,
    Problem,
    ReadOnlyError,
    Refused,
    UsageError,
    ValidationError,
)
from commons_reference.context import NotLoggedIn, WebContext
from commons_reference.limits import MAX_BODY_BYTES

__all__ = ["ErrorBody", "ProblemBody", "exception_handlers", "problem_body"]

log = logging.getLogger("commons_reference")


@attrs.frozen
class ProblemBody:
    """One problem of bad input, as the API returns it."""

    path: str
    value: Any
    code: str
    zh: str
    en: str


@attrs.frozen
class ErrorBody:
    """The body of every API error: the message in both languages, and the problems of bad input."""

    status: int
    zh: str
    en: str
    problems: list[ProblemBody] = attrs.Factory(list)


def problem_body(problem: Problem) -> ProblemBody:
    """A problem with its value made JSON-ready."""
    value = problem.value
    if not isinstance(value, str | int | float | bool | type(None)):
        value = str(value)
    return ProblemBody(problem.path, value, problem.code, problem.zh, problem.en)


def _request_problems(error: RequestInvalid, *, body: bool) -> list[ProblemBody]:
    # A typed request body (an attrs class) or a query or path parameter that does not
    # decode, or lies beyond its bound: Litestar names the field, so the answer names it
    # with its path, like the SDK's own problems.
    extra = error.extra if isinstance(error.extra, list) else []
    return [
        ProblemBody(
            path=str(item.get("key") or ""),
            value=None,
            code="format",
            zh=f"格式、类型或范围不正确({item.get('message')})",
            en=f"wrong format, type or range: {item.get('message')}",
        )
        for item in extra
        if isinstance(item, dict) and (item.get("source") == "body") == body
    ]


def _missing_template(error: Exception, request: Request[Any, Any, Any]) -> ErrorBody | None:
    """A template that is not there, named with the plugin whose folder it is in: a fault of
    the deployment (500, logged), not of the request."""
    missing = error if isinstance(error, TemplateNotFound) else error.__cause__
    if not isinstance(missing, TemplateNotFound):
        return None
    name = str(missing.name)
    folder = name.split("/", 1)[0] if "/" in name else None
    names = {c.name for c in getattr(request.app.state, "contributions", ())}
    if folder in names:
        zh, en = f"插件 {folder} 的页面模板 {name} 不存在", f"template {name} of plugin {folder}"
    else:
        zh, en = f"参考部署的页面模板 {name} 不存在", f"template {name} of the reference deployment"
    log.error("%s not found (%s)", en, request.url.path)
    return ErrorBody(500, f"{zh},已记录", f"{en} not found; it has been logged")


def _status_and_body(error: Exception) -> ErrorBody:
    if isinstance(error, NotLoggedIn | NotAuthorizedException):
        return ErrorBody(401, "请先登录", "please log in first")
    if isinstance(error, ValidationError | AmbiguousReference):
        return ErrorBody(422, error.zh, error.en, [problem_body(p) for p in error.problems])
    if isinstance(error, Refused):
        return ErrorBody(409, error.zh, error.en)
    if isinstance(error, UsageError):
        return ErrorBody(400, error.zh, error.en)
    if isinstance(error, AccessDenied):
        return ErrorBody(403, error.zh, error.en)
    if isinstance(error, NotFound):
        return ErrorBody(404, error.zh, error.en)
    if isinstance(error, DuplicateError):
        return ErrorBody(409, error.zh, error.en, [problem_body(p) for p in error.problems])
    if isinstance(error, ConflictError):
        return ErrorBody(409, error.zh, error.en)
    if isinstance(error, PluginError):
        log.error("plugin failure: %s", error, exc_info=error)
        return ErrorBody(500, error.zh, error.en)
    if isinstance(error, ReadOnlyError):
        # A page that writes in a read-only unit of work: a bug of the page, not bad input.
        log.error("write in a read-only unit of work: %s", error, exc_info=error)
        return ErrorBody(500, "服务器内部错误,已记录", "internal error; it has been logged")
    if isinstance(error, CommonsError):
        return ErrorBody(400, error.zh, error.en)
    if isinstance(error, PermissionDeniedException):
        return ErrorBody(
            403,
            "请求被拒绝(表单已过期或缺少 CSRF 令牌,请刷新页面重试)",
            "request refused (the form expired or lacks its CSRF token; reload and retry)",
        )
    if isinstance(error, RequestInvalid) and _request_problems(error, body=True):
        problems = _request_problems(error, body=True)
        return ErrorBody(422, "输入有误", "the input has problems", problems=problems)
    if isinstance(error, RequestInvalid) and _request_problems(error, body=False):
        problems = _request_problems(error, body=False)
        return ErrorBody(400, "请求参数有误", "a parameter of the request is wrong", problems)
    if isinstance(error, RequestEntityTooLarge):
        return ErrorBody(
            413,
            f"请求体过大(最多 {MAX_BODY_BYTES} 字节)",
            f"the request body is too large (at most {MAX_BODY_BYTES} bytes)",
        )
    if isinstance(error, RouteNotFound):
        return ErrorBody(404, "页面不存在", "no such page")
    if isinstance(error, HTTPException):
        detail = str(error.detail)
        extra = getattr(error, "extra", None)
        if extra:
            detail = f"{detail}: {extra}"
        return ErrorBody(error.status_code, f"请求无效:{detail}", f"bad request: {detail}")
    log.error("unexpected error", exc_info=error)
    return ErrorBody(500, "服务器内部错误,已记录", "internal error; it has been logged")


def handle(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """The answer to any exception a handler raised."""
    body = _missing_template(error, request) or _status_and_body(error)
    # An HTTP error's own headers stay on the answer: Allow on 405, Retry-After on 429.
    headers = dict(error.headers or {}) if isinstance(error, HTTPException) else {}
    if request.url.path.startswith("/api/"):
        return Response(
            content=body, status_code=body.status, media_type=MediaType.JSON, headers=headers
        )
    if body.status == 401:
        target = request.url.path
        if request.url.query:
            target = f"{target}?{request.url.query}"
        return Redirect(path="/login", query_params={"next": target}, status_code=303)
    state = request.app.state
    ctx = WebContext(request, state.commons, state.settings, state.contributions)
    response: Response[Any] = ctx.render("error.html", status_code=body.status, error=body)
    response.headers.update(headers)
    return response


def exception_handlers() -> ExceptionHandlersMap:
    """The handlers to install on the app: one for everything."""
    return {Exception: handle}
