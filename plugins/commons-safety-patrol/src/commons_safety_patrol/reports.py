"""``patrol-coverage``: shifts planned against shifts checked in, gaps, and hours per member."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, distinct, func, select

from commons_core import Building, Community, Label
from commons_core.reports import Report, ReportColumn, ReportParams, ReportResult

from .model import (
    DEFAULT_ZONE,
    CheckIn,
    FollowUpStatus,
    Incident,
    IncidentKind,
    MemberKind,
    PatrolMember,
    PatrolRoute,
    RouteBuilding,
    Shift,
    ShiftMember,
)

if TYPE_CHECKING:
    from commons_core.services import UnitOfWork

__all__ = ["DEFAULT_PERIOD_DAYS", "PatrolCoverage"]

DEFAULT_PERIOD_DAYS = 28
"""Without ``--from``, the report covers the four weeks up to ``--to`` (or ``--as-of``)."""

COLUMNS = (
    ReportColumn("section", Label("类别", "section")),
    ReportColumn("name", Label("名称", "name")),
    ReportColumn("shifts_planned", Label("排班数", "shifts planned")),
    ReportColumn("shifts_checked_in", Label("已签到", "shifts checked in")),
    ReportColumn("hours_planned", Label("排班小时", "hours planned")),
    ReportColumn("hours_checked_in", Label("签到小时", "hours checked in")),
    ReportColumn("note", Label("说明", "note")),
)


def _hours(uow: UnitOfWork, starts: Any, ends: Any) -> ColumnElement[Any]:
    """Hours between two timestamp columns, in the SQL of the connection's database."""
    if uow.connection.dialect.name == "sqlite":
        return (func.julianday(ends) - func.julianday(starts)) * 24
    return func.extract("epoch", ends - starts) / 3600


class PatrolCoverage(Report):
    """Shifts planned vs checked in, routes and buildings not covered, hours per member.

    Parameters: ``start`` and ``end`` (``--from``/``--to``; both included;
    default the 28 days up to ``as_of``) and ``as_of``: nights before
    ``as_of`` are past, so a shift on them without a check-in is missed.
    A shift counts as checked in when any member on it checked in.

    ``data`` (JSON keys are a contract):

    ``community``, ``start``, ``end``, ``as_of``
        the community's name and the period (ISO dates).
    ``shifts_planned``, ``shifts_checked_in``, ``heightened_shifts``
        shifts of the period, those with a check-in, those of sensitive periods.
    ``shifts_missed``
        past shifts without any check-in.
    ``check_in_rate``
        checked-in share of past shifts (0–1, three decimals; ``null`` when none).
    ``routes``
        per route: ``route``, ``active``, ``buildings``, ``shifts_planned``,
        ``shifts_checked_in``, ``nights_without_shift`` (nights of the period
        with no shift on an active route), ``nights_without_check_in`` (past
        nights with shifts but no check-in).
    ``routes_not_covered``
        names of active routes with a night without shift or without check-in.
    ``buildings_not_covered``
        ``building`` and ``reason``: ``no_route`` (on no active route) or
        ``no_check_in`` (no shift on its routes was checked in).
    ``members``
        per member: ``member``, ``kind``, ``active``, ``shifts``,
        ``shifts_checked_in``, ``hours_planned``, ``hours_checked_in`` (one decimal).
    ``incidents``
        ``total``, ``open`` (not resolved), ``by_kind`` and ``by_status`` (counts by code).
    """

    name = "patrol-coverage"
    title = Label("治安巡逻覆盖情况", "patrol coverage")
    description = Label(
        "排班与签到、未覆盖的路线和楼栋、队员巡逻时长",
        "shifts planned vs checked in, routes and buildings not covered, hours per member",
    )

    def run(self, uow: UnitOfWork, community: Community, params: ReportParams) -> ReportResult:
        """Six aggregate statements whatever the size of the community or the period."""
        end = params.end or params.as_of
        start = params.start or end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        cid = community.id
        conn = uow.connection
        s = uow.scoped(Shift)
        ci = uow.scoped(CheckIn)
        checked = (
            select(ci.c.shift_id, ci.c.member_id)
            .where(ci.c.community_id == cid)
            .distinct()
            .subquery("checked")
        )
        checked_shifts = select(ci.c.shift_id).where(ci.c.community_id == cid)
        in_period = and_(s.c.community_id == cid, s.c.night.between(start, end))
        is_checked = s.c.id.in_(checked_shifts)

        # 1. Shifts per route and night.
        per_night = conn.execute(
            select(
                s.c.route_id,
                s.c.night,
                func.count(),
                func.sum(case((is_checked, 1), else_=0)),
                func.sum(case((s.c.heightened, 1), else_=0)),
            )
            .where(in_period)
            .group_by(s.c.route_id, s.c.night)
        ).all()

        # 2. Routes and how many buildings each passes.
        r = uow.scoped(PatrolRoute)
        rb = uow.scoped(RouteBuilding)
        routes = conn.execute(
            select(r.c.id, r.c.name, r.c.active, func.count(rb.c.id))
            .select_from(r.outerjoin(rb, and_(rb.c.community_id == cid, rb.c.route_id == r.c.id)))
            .where(r.c.community_id == cid)
            .group_by(r.c.id, r.c.name, r.c.active)
            .order_by(r.c.name)
        ).all()

        # 3. Buildings: on how many active routes, and checked-in shifts on those routes.
        b = uow.scoped(Building)
        on_route = (
            select(rb.c.building_id, rb.c.route_id)
            .join(r, and_(r.c.community_id == cid, r.c.id == rb.c.route_id))
            .where(rb.c.community_id == cid, r.c.active)
            .subquery("on_route")
        )
        walked = select(s.c.route_id).where(in_period, is_checked).distinct().subquery("walked")
        buildings = conn.execute(
            select(
                b.c.name,
                func.count(distinct(on_route.c.route_id)),
                func.count(distinct(walked.c.route_id)),
            )
            .select_from(
                b.outerjoin(on_route, on_route.c.building_id == b.c.id).outerjoin(
                    walked, walked.c.route_id == on_route.c.route_id
                )
            )
            .where(b.c.community_id == cid)
            .group_by(b.c.id, b.c.name)
            .order_by(b.c.name)
        ).all()

        # 4. Hours per member.
        sm = uow.scoped(ShiftMember)
        hours = _hours(uow, s.c.starts_at, s.c.ends_at)
        was_checked = case((checked.c.shift_id.is_not(None), 1), else_=0)
        duty = (
            select(
                sm.c.member_id,
                hours.label("hours"),
                was_checked.label("checked"),
            )
            .join(s, and_(s.c.community_id == cid, s.c.id == sm.c.shift_id))
            .outerjoin(
                checked,
                and_(checked.c.shift_id == sm.c.shift_id, checked.c.member_id == sm.c.member_id),
            )
            .where(sm.c.community_id == cid, in_period)
            .subquery("duty")
        )
        m = uow.scoped(PatrolMember)
        members = conn.execute(
            select(
                m.c.name,
                m.c.kind,
                m.c.active,
                func.count(duty.c.member_id),
                func.coalesce(func.sum(duty.c.checked), 0),
                func.coalesce(func.sum(duty.c.hours), 0),
                func.coalesce(func.sum(duty.c.hours * duty.c.checked), 0),
            )
            .select_from(m.outerjoin(duty, duty.c.member_id == m.c.id))
            .where(m.c.community_id == cid)
            .group_by(m.c.id, m.c.name, m.c.kind, m.c.active)
            .order_by(m.c.name, m.c.id)
        ).all()

        # 5. Incidents found in the period, by kind and status.
        i = uow.scoped(Incident)
        incidents = conn.execute(
            select(i.c.kind, i.c.status, func.count())
            .where(
                i.c.community_id == cid,
                i.c.occurred_at >= _midnight(start),
                i.c.occurred_at < _midnight(end + timedelta(days=1)),
            )
            .group_by(i.c.kind, i.c.status)
        ).all()

        data = _assemble(community, start, end, params.as_of, per_night, routes, buildings)
        data["members"] = [
            {
                "member": name,
                "kind": kind.value,
                "active": bool(active),
                "shifts": int(count),
                "shifts_checked_in": int(done),
                "hours_planned": round(float(planned), 1),
                "hours_checked_in": round(float(worked), 1),
            }
            for name, kind, active, count, done, planned, worked in members
        ]
        data["incidents"] = _incidents(incidents)
        return ReportResult(data=data, columns=COLUMNS, rows=_rows(data))


def _midnight(day: date) -> datetime:
    """The start of ``day`` in Beijing time, where incidents' days are counted."""
    return datetime.combine(day, datetime.min.time(), ZoneInfo(DEFAULT_ZONE))


def _assemble(
    community: Community,
    start: date,
    end: date,
    as_of: date,
    per_night: Any,
    routes: Any,
    buildings: Any,
) -> dict[str, Any]:
    nights = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    by_route: dict[Any, dict[date, tuple[int, int]]] = defaultdict(dict)
    planned = checked_in = heightened = past = missed = 0
    for route_id, night, count, done, extra in per_night:
        by_route[route_id][night] = (int(count), int(done))
        planned += int(count)
        checked_in += int(done)
        heightened += int(extra)
        if night < as_of:
            past += int(count)
            missed += int(count) - int(done)
    route_rows = []
    for route_id, name, active, building_count in routes:
        seen = by_route.get(route_id, {})
        route_rows.append(
            {
                "route": name,
                "active": bool(active),
                "buildings": int(building_count),
                "shifts_planned": sum(c for c, _ in seen.values()),
                "shifts_checked_in": sum(d for _, d in seen.values()),
                "nights_without_shift": [n.isoformat() for n in nights if n not in seen]
                if active
                else [],
                "nights_without_check_in": [
                    n.isoformat() for n in nights if n < as_of and n in seen and seen[n][1] == 0
                ],
            }
        )
    return {
        "community": community.name,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "as_of": as_of.isoformat(),
        "shifts_planned": planned,
        "shifts_checked_in": checked_in,
        "heightened_shifts": heightened,
        "shifts_missed": missed,
        "check_in_rate": round((past - missed) / past, 3) if past else None,
        "routes": route_rows,
        "routes_not_covered": [
            row["route"]
            for row in route_rows
            if row["nights_without_shift"] or row["nights_without_check_in"]
        ],
        "buildings_not_covered": [
            {"building": name, "reason": "no_route" if not on_routes else "no_check_in"}
            for name, on_routes, walked in buildings
            if not on_routes or not walked
        ],
    }


def _incidents(rows: Any) -> dict[str, Any]:
    by_kind = {k.value: 0 for k in IncidentKind}
    by_status = {s.value: 0 for s in FollowUpStatus}
    for kind, status, count in rows:
        by_kind[kind.value] += int(count)
        by_status[status.value] += int(count)
    total = sum(by_kind.values())
    return {
        "total": total,
        "open": total - by_status[FollowUpStatus.RESOLVED.value],
        "by_kind": by_kind,
        "by_status": by_status,
    }


def _rows(data: dict[str, Any]) -> tuple[tuple[Any, ...], ...]:
    rate = data["check_in_rate"]
    rows: list[tuple[Any, ...]] = [
        (
            "合计 / total",
            f"{data['start']} – {data['end']}",
            data["shifts_planned"],
            data["shifts_checked_in"],
            None,
            None,
            f"漏签 / missed {data['shifts_missed']}; "
            f"签到率 / rate {'-' if rate is None else f'{rate:.1%}'}; "
            f"加强 / heightened {data['heightened_shifts']}",
        )
    ]
    for route in data["routes"]:
        rows.append(
            (
                "路线 / route",
                route["route"],
                route["shifts_planned"],
                route["shifts_checked_in"],
                None,
                None,
                f"楼栋 / buildings {route['buildings']}; "
                f"无排班 / no shift {len(route['nights_without_shift'])}; "
                f"无签到 / no check-in {len(route['nights_without_check_in'])}",
            )
        )
    for member in data["members"]:
        kind = MemberKind.parse(member["kind"])
        rows.append(
            (
                "队员 / member",
                member["member"],
                member["shifts"],
                member["shifts_checked_in"],
                member["hours_planned"],
                member["hours_checked_in"],
                f"{kind.zh} / {kind.en}",
            )
        )
    reasons = {"no_route": "不在任何路线上 / on no route", "no_check_in": "无签到 / no check-in"}
    for building in data["buildings_not_covered"]:
        rows.append(
            (
                "未覆盖楼栋 / building not covered",
                building["building"],
                None,
                None,
                None,
                None,
                reasons[building["reason"]],
            )
        )
    incidents = data["incidents"]
    rows.append(
        (
            "发现问题 / incidents",
            str(incidents["total"]),
            None,
            None,
            None,
            None,
            f"未办结 / open {incidents['open']}",
        )
    )
    return tuple(rows)
