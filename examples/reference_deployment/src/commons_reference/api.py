"""The JSON API under ``/api/v1``, documented at ``/api/v1/openapi.json``.

It authenticates with the same session cookie as the pages (log in with
``POST /api/v1/session``); every request that changes something carries the
CSRF token of the ``csrftoken`` cookie in the ``X-CSRFToken`` header.
Responses use the SDK's model classes, masked per role; bad input gets 422
with every problem and its path, refused access 403, out of scope 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any
from uuid import UUID

import attrs
from litestar import Controller, Request, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from commons_core.errors import AccessDenied, NotFound
from commons_core.model import Community, Household, HouseholdRegistration, Resident
from commons_core.reports import Report, ReportParams, ReportResult, check_days
from commons_core.services.audit import AuditEntry
from commons_core.storage.tables import community as community_table
from commons_reference import actions
from commons_reference.bodies import HouseholdChanges, NewMember, Registration, ResidentChanges
from commons_reference.context import Ctx, NotLoggedIn
from commons_reference.errors import ErrorBody
from commons_reference.limits import MAX_BODY_BYTES, MAX_OFFSET, MAX_PAGE
from commons_reference.queries import HouseholdPage, household_page
from commons_reference.sessions import PUBLIC, log_in, log_out

__all__ = ["API_PATH", "ApiControllers", "ReportOut", "UserInfo", "error_responses", "run_report"]

API_PATH = "/api/v1"
ERRORS = {
    400: "a parameter of the request is wrong (its type or range): each named",
    401: "not logged in",
    403: "refused: the user lacks the permission",
    404: "absent, or outside the user's scope",
    409: "changed by someone else since it was read",
    413: f"the request body is larger than {MAX_BODY_BYTES} bytes",
    422: "bad input: every problem with its path (a JSON body nested too deep included)",
}


@attrs.frozen
class UserInfo:
    """The logged-in user."""

    username: str
    display_name: str | None
    roles: list[str]
    scope: str
    community_id: UUID | None
    grid_zone_id: UUID | None
    household_id: UUID | None


@attrs.frozen
class Credentials:
    """User name and password."""

    username: str
    password: str


@attrs.frozen
class ReportInfo:
    """A report one may run."""

    name: str
    title_zh: str
    title_en: str


@attrs.frozen
class ReportOut:
    """A report's output: ``data`` as ``commons report --format json`` prints it."""

    name: str
    community_id: UUID
    as_of: date
    data: dict[str, Any]


def run_report(
    ctx: Ctx,
    community_id: UUID,
    report: Report,
    *,
    as_of: date | None = None,
    start: date | None = None,
    end: date | None = None,
) -> ReportOut:
    """Run ``report`` for a community in its own read-only unit of work, as the user.

    For plugins' pages and API routes too: the report checks what the user may
    read, and a community outside the user's scope is not found.
    """
    day = as_of or date.today()
    params = ReportParams(as_of=day, start=start, end=end)
    _place, result = report_result(ctx, community_id, report, params)
    return ReportOut(report.name, community_id, day, result.data)


def report_named(ctx: Ctx, name: str) -> Report:
    """The report called ``name``, core's or a plugin's (:class:`NotFound` if none is)."""
    found = ctx.commons.reports.get(name)
    if found is None:
        raise NotFound("report", name)
    return found


def report_result(
    ctx: Ctx, community_id: UUID, report: Report, params: ReportParams
) -> tuple[Community, ReportResult]:
    """The community and ``report``'s result for it, run in a read-only unit of work as the
    user (a community outside the user's scope is not found)."""
    with ctx.unit_of_work(readonly=True) as uow:
        place = actions.community(uow, community_id)
        return place, report.run(uow, place, params)


def _user_info(ctx: Ctx) -> UserInfo:
    user = ctx.user
    if user is None:
        raise NotLoggedIn
    return UserInfo(
        username=user.username,
        display_name=user.display_name,
        roles=list(user.roles),
        scope=user.scope.kind.value,
        community_id=user.scope.community_id,
        grid_zone_id=user.scope.grid_zone_id,
        household_id=user.scope.household_id,
    )


def error_responses(extra: Mapping[int, str] | None = None) -> dict[int, Any]:
    """The error answers of an operation for the OpenAPI document (plugins' routes use it too).

    :param extra: more status codes the operation may answer, with what they mean.
    """
    from litestar.openapi.datastructures import ResponseSpec

    return {
        code: ResponseSpec(data_container=ErrorBody, description=text)
        for code, text in {**ERRORS, **(extra or {})}.items()
    }


class SessionApi(Controller):
    """Log in and out: a server-side session, its token in the ``commons_session`` cookie."""

    path = f"{API_PATH}/session"
    tags = ("session",)

    @post(
        "/",
        status_code=201,
        opt={PUBLIC: True},
        responses=error_responses(
            {
                429: "too many attempts for the user name or address; see Retry-After",
                503: "busy checking other logins; see Retry-After",
            }
        ),
    )
    async def login(
        self, ctx: Ctx, request: Request[Any, Any, Any], data: JSONBody[Credentials]
    ) -> UserInfo:
        """Log in with user name and password; the answer sets the session cookie and a
        new ``csrftoken`` cookie (the token of this session)."""
        try:
            await log_in(request, data.username, data.password)
        except AccessDenied:
            raise NotLoggedIn from None
        return _user_info(ctx)

    @get("/", sync_to_thread=False, responses=error_responses())
    def me(self, ctx: Ctx) -> UserInfo:
        """Who is logged in."""
        return _user_info(ctx)

    @delete("/", sync_to_thread=True, responses=error_responses())
    def logout(self, request: Request[Any, Any, Any]) -> None:
        """Log out: this session ends (the user's others stay)."""
        log_out(request)


class CommunityApi(Controller):
    """Communities, their overview and their households."""

    path = f"{API_PATH}/communities"
    tags = ("communities",)

    @get("/", sync_to_thread=True, responses=error_responses())
    def communities(self, ctx: Ctx) -> list[Community]:
        """The communities the user may see."""
        with ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(Community).find(order_by=[community_table.c.name])

    @get("/{community_id:uuid}/overview", sync_to_thread=True, responses=error_responses())
    def overview(self, ctx: Ctx, community_id: FromPath[UUID]) -> actions.Overview:
        """The ``community-summary`` figures, the age pyramid and the ethnic composition."""
        with ctx.unit_of_work(readonly=True) as uow:
            return actions.overview(uow, actions.community(uow, community_id), date.today())

    @get("/{community_id:uuid}/households", sync_to_thread=True, responses=error_responses())
    def households(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        q: FromQuery[str] = "",
        zone: FromQuery[UUID | None] = None,
        page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    ) -> HouseholdPage:
        """Households matching ``q`` (number, address or a member's name), one page."""
        with ctx.unit_of_work(readonly=True) as uow:
            actions.community(uow, community_id)
            return household_page(
                uow, community_id, search=q, grid_zone_id=zone, page=page, per_page=per_page
            )

    @post(
        "/{community_id:uuid}/households",
        sync_to_thread=True,
        status_code=201,
        responses=error_responses(),
    )
    def register(
        self, ctx: Ctx, community_id: FromPath[UUID], data: JSONBody[Registration]
    ) -> HouseholdRegistration:
        """Register a household with its members.

        Body: ``{"household": {...Household}, "members": [{...Resident}, ...]}``;
        ``community_id`` comes from the path.
        """
        with ctx.unit_of_work() as uow:
            return actions.register_household(uow, community_id, data)

    @get(
        "/{community_id:uuid}/households/{household_id:uuid}",
        sync_to_thread=True,
        responses=error_responses(),
    )
    def household(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        household_id: FromPath[UUID],
        reveal: FromQuery[bool] = False,
    ) -> actions.HouseholdDetail:
        """A household and its members; ``reveal=true`` shows sensitive values (needs the
        permissions, and is recorded in the audit trail)."""
        with ctx.unit_of_work(readonly=not reveal) as uow:
            return actions.household_detail(uow, community_id, household_id, reveal=reveal)

    @put(
        "/{community_id:uuid}/households/{household_id:uuid}",
        sync_to_thread=True,
        responses=error_responses(),
    )
    def update_household(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        household_id: FromPath[UUID],
        data: JSONBody[HouseholdChanges],
    ) -> Household:
        """Change a household: send the fields to change and the ``version`` you read."""
        with ctx.unit_of_work() as uow:
            return actions.update_household(uow, community_id, household_id, data)

    @post(
        "/{community_id:uuid}/households/{household_id:uuid}/members",
        sync_to_thread=True,
        status_code=201,
        responses=error_responses(),
    )
    def add_member(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        household_id: FromPath[UUID],
        data: JSONBody[NewMember],
    ) -> Resident:
        """Add a resident (a ``Resident`` object without ids) to a household."""
        with ctx.unit_of_work() as uow:
            return actions.add_member(uow, community_id, household_id, data)

    @get(
        "/{community_id:uuid}/residents/{resident_id:uuid}",
        sync_to_thread=True,
        responses=error_responses(),
    )
    def resident(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        resident_id: FromPath[UUID],
        reveal: FromQuery[bool] = False,
    ) -> Resident:
        """A resident, masked unless ``reveal=true`` (needs the permissions; audited)."""
        with ctx.unit_of_work(readonly=not reveal) as uow:
            return actions.resident(uow, community_id, resident_id, reveal=reveal)

    @put(
        "/{community_id:uuid}/residents/{resident_id:uuid}",
        sync_to_thread=True,
        responses=error_responses(),
    )
    def update_resident(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        resident_id: FromPath[UUID],
        data: JSONBody[ResidentChanges],
    ) -> Resident:
        """Change a resident: the fields to change and the ``version`` you read. A masked ID
        number or phone sent back unchanged keeps its stored value."""
        with ctx.unit_of_work() as uow:
            return actions.update_resident(uow, community_id, resident_id, data)

    @get("/{community_id:uuid}/audit", sync_to_thread=True, responses=error_responses())
    def audit(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        entity: FromQuery[str] = "",
        since: FromQuery[date | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
        offset: Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET)] = 0,
    ) -> list[AuditEntry]:
        """The community's audit trail, newest first (needs ``audit:read``); each entry's
        ``at`` in UTC, with its offset."""
        check_days({"since": since})
        with ctx.unit_of_work(readonly=True) as uow:
            return actions.audit_entries(
                uow, community_id, entity=entity, since=since, limit=limit, offset=offset
            )

    @get(
        "/{community_id:uuid}/reports/{name:str}", sync_to_thread=True, responses=error_responses()
    )
    def report(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        name: FromPath[str],
        as_of: FromQuery[date | None] = None,
    ) -> ReportOut:
        """Run a report of core or a plugin for this community."""
        return run_report(ctx, community_id, report_named(ctx, name), as_of=as_of)


class ReportApi(Controller):
    """The reports of core and plugins."""

    path = f"{API_PATH}/reports"
    tags = ("reports",)

    @get("/", sync_to_thread=False, responses=error_responses())
    def reports(self, ctx: Ctx) -> list[ReportInfo]:
        """Every report by name."""
        return [
            ReportInfo(name, report.title.zh, report.title.en)
            for name, report in sorted(ctx.commons.reports.items())
        ]


ApiControllers = [SessionApi, CommunityApi, ReportApi]
"""The API's controllers, for :func:`commons_reference.app.create_app`."""
