"""Safety patrol pages and JSON API in the reference deployment (commons_reference).

Contributed by the plugin's manifest (``web=".web:contribution"``), so this
module is imported only where the web app is installed. Pages, under
``/c/{community_id}/safety-patrol/``: ``roster`` (a month's calendar of
shifts with route and members), ``check-in`` (a member on a shift checks in,
with an optional note) and ``coverage`` (the ``patrol-coverage`` report). The
JSON API, under ``/api/v1/communities/{community_id}/safety-patrol/``, does
the same reads and the check-in.

Every handler works through ``ctx.unit_of_work()`` with :class:`.Patrols` and
:class:`.PatrolCoverage`, so access rules, scope and audit apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs
from commons_reference import actions
from commons_reference.api import ReportOut, error_responses, run_report
from commons_reference.contract import Ctx, Form, FromDate, NavLink, ToDate, WebContribution
from commons_reference.forms import clean_input, problems_by_path
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template

from commons_core import Label, NotFound, Problem, ValidationError
from commons_core.reports import check_days
from commons_core.serialization import CHINA_TIME

from .model import DEFAULT_ZONE, CheckIn, Shift
from .reports import PatrolCoverage
from .roster import MAX_ROSTER_DAYS
from .services import CHECK_IN, Patrols, RosterShift
from .tables import SHIFT

__all__ = ["NAME", "CheckInIn", "PatrolApi", "PatrolPages", "contribution"]

NAME = "safety-patrol"
TEMPLATES = Path(__file__).parent / "templates" / NAME
_ZONE = ZoneInfo(DEFAULT_ZONE)
_INPUT_MINUTE = "%Y-%m-%dT%H:%M"


@attrs.frozen(kw_only=True)
class CheckInIn:
    """A check-in to record: the shift, the member on it, when (default now), where, a note.

    A time without a zone is Beijing time.
    """

    shift_id: UUID
    member_id: UUID
    checked_in_at: datetime | None = None
    building_id: UUID | None = None
    note: str | None = None


@attrs.frozen
class CalendarDay:
    """A day of the roster calendar and its shifts (with their times as shown)."""

    day: date
    in_month: bool
    shifts: list[tuple[str, RosterShift]]


def _times(found: Shift) -> str:
    return f"{found.starts_at.astimezone(_ZONE):%H:%M}–{found.ends_at.astimezone(_ZONE):%H:%M}"


def _month_of(value: str) -> date:
    """The first day of ``value`` (``2026-11``); this month for an empty or wrong value."""
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError:
        return date.today().replace(day=1)


def _calendar(
    start: date, weeks: int, roster: list[RosterShift], month: int | None
) -> list[list[CalendarDay]]:
    """``weeks`` weeks from the Monday ``start``, each day with its shifts.

    Days outside ``month`` (when given) are marked, as a month's grid shows them greyed.
    """
    by_night: dict[date, list[tuple[str, RosterShift]]] = {}
    for entry in roster:
        by_night.setdefault(entry.shift.night, []).append((_times(entry.shift), entry))
    return [
        [
            CalendarDay(d, month is None or d.month == month, by_night.get(d, []))
            for d in (start + timedelta(days=7 * week + n) for n in range(7))
        ]
        for week in range(weeks)
    ]


def _span(first: date, week: date | None) -> tuple[date, int]:
    """The Monday the grid starts on and its number of weeks: one week, or ``first``'s month."""
    if week is not None:
        return week - timedelta(days=week.weekday()), 1
    start = first - timedelta(days=first.weekday())
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, ((last - start).days + 7) // 7


def _check_in(ctx: Ctx, community_id: UUID, data: CheckInIn) -> CheckIn:
    with ctx.unit_of_work() as uow:
        uow.require(CHECK_IN)
        found = uow.repo(Shift).get(data.shift_id)
        if found.community_id != community_id:
            raise NotFound(SHIFT, data.shift_id)
        at = data.checked_in_at
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=CHINA_TIME)
        return Patrols(uow).check_in(
            data.shift_id, data.member_id, at=at, building_id=data.building_id, note=data.note
        )


def _roster(ctx: Ctx, community_id: UUID, start: date, end: date) -> list[RosterShift]:
    if not start <= end <= start + timedelta(days=MAX_ROSTER_DAYS - 1):
        raise ValidationError.single(
            "to",
            end.isoformat(),
            "safety_patrol.period",
            f"结束日期应在开始日期之后,且最多 {MAX_ROSTER_DAYS} 天",
            f"the end must follow the start, at most {MAX_ROSTER_DAYS} days later",
        )
    with ctx.unit_of_work(readonly=True) as uow:
        actions.community(uow, community_id)
        return Patrols(uow).roster(community_id, start, end)


class PatrolPages(Controller):
    """Roster calendar, check-in and coverage pages."""

    include_in_schema = False

    @get("/roster", sync_to_thread=True)
    def roster(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        month: FromQuery[str] = "",
        week: FromQuery[date | None] = None,
    ) -> Template:
        """A month's (or with ``week``, that week's) calendar of shifts: route, time, members."""
        first = week.replace(day=1) if week is not None else _month_of(month)
        check_days({"week": week} if week is not None else {"month": first})
        start, weeks = _span(first, week)
        found = _roster(ctx, community_id, start, start + timedelta(days=7 * weeks - 1))
        with ctx.unit_of_work(readonly=True) as uow:
            place = actions.community(uow, community_id)
        if week is not None:
            previous = f"week={start - timedelta(days=7)}"
            following = f"week={start + timedelta(days=7)}"
        else:
            previous = f"month={first - timedelta(days=1):%Y-%m}"
            following = f"month={first + timedelta(days=32):%Y-%m}"
        return ctx.render(
            f"{NAME}/roster.html",
            community=place,
            month=first,
            week=start if week is not None else None,
            weeks=_calendar(start, weeks, found, None if week is not None else first.month),
            previous=previous,
            following=following,
            today=date.today(),
            can_check_in=ctx.can(CHECK_IN),
        )

    @get("/check-in", sync_to_thread=True)
    def check_in_form(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        night: FromQuery[date | None] = None,
        done: FromQuery[UUID | None] = None,
    ) -> Template:
        """The shifts of a night (today by default), each with a check-in form."""
        with ctx.unit_of_work(readonly=True) as uow:
            uow.require(CHECK_IN)
            recorded = uow.repo(CheckIn).get(done) if done is not None else None
        check_days({"night": night})
        return self._page(ctx, community_id, night or date.today(), recorded=recorded)

    @post("/check-in", sync_to_thread=True)
    def check_in(self, ctx: Ctx, community_id: FromPath[UUID], data: Form) -> Template | Redirect:
        """Record the check-in, or show the night again with the problems."""
        values = {k: v for k, v in data.items() if k != "_csrf_token"}
        try:
            entry = ctx.commons.structure(clean_input(values, CheckInIn), CheckInIn)
            stored = _check_in(ctx, community_id, entry)
        except ValidationError as error:
            night = _night_of(ctx, community_id, values.get("shift_id"))
            return self._page(
                ctx, community_id, night, values=values, problems=error.problems, status_code=422
            )
        with ctx.unit_of_work(readonly=True) as uow:
            night = uow.repo(Shift).get(stored.shift_id).night
        return ctx.redirect(
            f"/c/{community_id}/{NAME}/check-in?night={night.isoformat()}&done={stored.id}"
        )

    def _page(
        self,
        ctx: Ctx,
        community_id: UUID,
        night: date,
        *,
        recorded: CheckIn | None = None,
        values: dict[str, Any] | None = None,
        problems: Sequence[Problem] = (),
        status_code: int = 200,
    ) -> Template:
        shifts = _roster(ctx, community_id, night, night)
        with ctx.unit_of_work(readonly=True) as uow:
            place = actions.community(uow, community_id)
        now = datetime.now(UTC)
        return ctx.render(
            f"{NAME}/check_in.html",
            status_code=status_code,
            community=place,
            night=night,
            shifts=[(_times(s.shift), _default_time(s.shift, now), s) for s in shifts],
            recorded=recorded,
            crew={c.member_id: c.name for s in shifts for c in s.crew},
            values=values or {},
            errors=problems_by_path(problems),
            problems=problems,
            previous=night - timedelta(days=1),
            following=night + timedelta(days=1),
        )

    @get("/coverage", sync_to_thread=True)
    def coverage(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        start: FromDate = None,
        end: ToDate = None,
    ) -> Template:
        """The ``patrol-coverage`` report of a period (the last 28 days by default)."""
        report = run_report(ctx, community_id, PatrolCoverage(), start=start, end=end)
        with ctx.unit_of_work(readonly=True) as uow:
            place = actions.community(uow, community_id)
        data = report.data
        return ctx.render(
            f"{NAME}/coverage.html",
            community=place,
            data=data,
            routes=[
                (
                    r,
                    [date.fromisoformat(d) for d in r["nights_without_shift"]],
                    [date.fromisoformat(d) for d in r["nights_without_check_in"]],
                )
                for r in data["routes"]
            ],
            start=date.fromisoformat(data["start"]),
            end=date.fromisoformat(data["end"]),
        )


def _default_time(found: Shift, now: datetime) -> str:
    """What the time input shows: now during the shift, else its start (a late entry)."""
    moment = now if found.starts_at <= now <= found.ends_at else found.starts_at
    return moment.astimezone(_ZONE).strftime(_INPUT_MINUTE)


def _night_of(ctx: Ctx, community_id: UUID, shift_id: Any) -> date:
    """The night of the shift a form was sent for (today when it cannot be read)."""
    try:
        wanted = UUID(str(shift_id))
        with ctx.unit_of_work(readonly=True) as uow:
            found = uow.repo(Shift).get(wanted)
    except (ValueError, NotFound):
        return date.today()
    return found.night if found.community_id == community_id else date.today()


class PatrolApi(Controller):
    """The safety patrols' JSON API."""

    tags = (NAME,)

    @get("/roster", sync_to_thread=True, responses=error_responses())
    def roster(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        start: FromDate = None,
        end: ToDate = None,
    ) -> list[RosterShift]:
        """The saved shifts of the nights ``from``–``to`` (default: this week, Monday first;
        at most 92 nights) with their route, members and who checked in."""
        check_days({"from": start, "to": end})
        today = date.today()
        first = start or today - timedelta(days=today.weekday())
        return _roster(ctx, community_id, first, end or first + timedelta(days=6))

    @post("/check-ins", sync_to_thread=True, status_code=201, responses=error_responses())
    def check_in(
        self, ctx: Ctx, community_id: FromPath[UUID], data: JSONBody[CheckInIn]
    ) -> CheckIn:
        """A member on a shift checks in (within the shift, an hour's grace either side)."""
        return _check_in(ctx, community_id, data)

    @get("/coverage", sync_to_thread=True, responses=error_responses())
    def coverage(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        start: FromDate = None,
        end: ToDate = None,
    ) -> ReportOut:
        """The ``patrol-coverage`` report of the period (default the 28 days up to today)."""
        return run_report(ctx, community_id, PatrolCoverage(), start=start, end=end)


def contribution() -> WebContribution:
    """What the plugin adds to the reference deployment."""
    shifts = f"{SHIFT}:list"
    return WebContribution(
        name=NAME,
        title=Label("治安巡逻", "safety patrols"),
        pages=[PatrolPages],
        api=[PatrolApi],
        nav=[
            NavLink(Label("巡逻排班", "patrol roster"), "roster", shifts),
            NavLink(Label("巡逻签到", "patrol check-in"), "check-in", CHECK_IN),
            NavLink(Label("巡逻覆盖", "patrol coverage"), "coverage", shifts),
        ],
        templates=TEMPLATES,
    )
