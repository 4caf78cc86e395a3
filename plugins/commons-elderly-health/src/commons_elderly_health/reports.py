"""``elderly-health-coverage``: residents 60+, files opened, check-ups overdue, the 80+ list."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, or_, select

from commons_core import Community, Household, Label, Resident, ResidentStatus
from commons_core.reports import Report, ReportColumn, ReportParams, ReportResult
from commons_core.storage.row_security import without_nested_loops

from .model import (
    CONDOLENCE_AGE,
    ELDERLY_AGE,
    CheckUp,
    FileStatus,
    HealthFile,
    age_on,
    years_before,
)

if TYPE_CHECKING:
    from commons_core.services import UnitOfWork

__all__ = ["CHECK_UP_YEARS", "COVERAGE", "CoverageReport", "coverage_percent"]

COVERAGE = "elderly-health-coverage"
"""The report's name (a contract)."""
CHECK_UP_YEARS = 1
"""A check-up is overdue when the last one is older than this (the yearly free check-up)."""
LIST_FILES = "elderly_health_file:list"
"""Who may run the report: those who may list health files."""

COLUMNS = (
    ReportColumn("section", Label("类别", "section")),
    ReportColumn("name", Label("姓名", "name")),
    ReportColumn("age", Label("年龄", "age")),
    ReportColumn("household_no", Label("户号", "household number")),
    ReportColumn("last_check_up", Label("最近体检", "last check-up")),
    ReportColumn("note", Label("说明", "note")),
)


def coverage_percent(opened: int, residents: int) -> float | None:
    """Files opened as a percentage of residents 60+, one decimal, rounded half up."""
    if not residents:
        return None
    share = Decimal(opened * 100) / Decimal(residents)
    return float(share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


class CoverageReport(Report):
    """Health-file coverage of residents 60+, overdue check-ups and the 80+ list.

    Parameters: ``as_of`` (the day ages and the last 12 months are counted
    from). Residents are counted while in the register (在册), by birth date
    on ``as_of``: turning 60 needs no record. Needs ``elderly_health_file:list``.

    ``data`` (JSON keys are a contract):

    ``community``, ``as_of``
        the community's name and the day (ISO date).
    ``residents_60_plus``
        residents aged 60 or more on ``as_of``.
    ``files_opened``, ``files_due``
        of those, with an open health file, and without one (due or none yet).
    ``coverage_percent``
        ``files_opened`` / ``residents_60_plus`` in percent, one decimal
        (rounded half up; ``null`` without residents 60+).
    ``check_ups_overdue``
        residents with an open file and no check-up in the 12 months up to ``as_of``.
    ``residents_80_plus``
        residents aged 80 or more.
    ``overdue``
        those overdue: ``resident_id``, ``name``, ``age``, ``household_no``,
        ``last_check_up`` (ISO date or ``null``), oldest check-up first.
    ``condolence_visits``
        the 80+ list for condolence visits (高龄慰问): ``resident_id``,
        ``name``, ``age``, ``gender``, ``household_no``, ``address``,
        ``file_opened``, oldest first.

    No health value appears: only whether a file is open and the day of the
    last check-up.
    """

    name = COVERAGE
    title = Label("老年人健康档案覆盖情况", "elderly health coverage")
    description = Label(
        "60岁以上居民建档率、逾期未体检和80岁以上高龄慰问名单",
        "health files of residents 60+, overdue check-ups, and the 80+ list for condolence visits",
    )

    def run(self, uow: UnitOfWork, community: Community, params: ReportParams) -> ReportResult:
        """Two statements whatever the number of residents: the totals, and the two lists."""
        uow.require(LIST_FILES, self.name)
        as_of = params.as_of
        cid = community.id
        r = uow.scoped(Resident)
        f = uow.scoped(HealthFile)
        h = uow.scoped(Household)
        c = uow.scoped(CheckUp)
        last = (
            select(c.c.resident_id, func.max(c.c.checked_on).label("last"))
            .where(c.c.community_id == cid, c.c.checked_on <= as_of)
            .group_by(c.c.resident_id)
            .subquery("last_check_up")
        )
        joined = r.outerjoin(f, and_(f.c.community_id == cid, f.c.resident_id == r.c.id)).outerjoin(
            last, last.c.resident_id == r.c.id
        )
        elderly = and_(
            r.c.community_id == cid,
            r.c.status == ResidentStatus.ACTIVE,
            r.c.birth_date <= years_before(as_of, ELDERLY_AGE),
        )
        opened = and_(f.c.status == FileStatus.OPEN, f.c.opened_on <= as_of)
        overdue = and_(
            opened,
            or_(last.c.last.is_(None), last.c.last < years_before(as_of, CHECK_UP_YEARS)),
        )
        very_old = r.c.birth_date <= years_before(as_of, CONDOLENCE_AGE)

        def counted(condition: Any) -> Any:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        # Joins of the community's residents 60+ with their files and check-ups: see
        # without_nested_loops for why the planner must not nest them under row security.
        with without_nested_loops(uow.connection):
            totals = uow.connection.execute(
                select(func.count(), counted(opened), counted(overdue), counted(very_old))
                .select_from(joined)
                .where(elderly)
            ).one()
            listed = uow.connection.execute(
                select(
                    r.c.id,
                    r.c.name,
                    r.c.birth_date,
                    r.c.gender,
                    h.c.household_no,
                    h.c.address,
                    case((opened, True), else_=False),
                    case((overdue, True), else_=False),
                    last.c.last,
                )
                .select_from(
                    joined.outerjoin(h, and_(h.c.community_id == cid, h.c.id == r.c.household_id))
                )
                .where(elderly, or_(overdue, very_old))
                .order_by(r.c.birth_date, r.c.name, r.c.id)
            ).all()
        data = _assemble(community, as_of, totals, listed)
        return ReportResult(data=data, columns=COLUMNS, rows=_rows(data))


def _assemble(community: Community, as_of: date, totals: Any, listed: Any) -> dict[str, Any]:
    residents, opened, overdue_count, very_old_count = (int(v) for v in totals)
    overdue: list[dict[str, Any]] = []
    condolence: list[dict[str, Any]] = []
    for rid, name, born, gender, household_no, address, is_open, is_overdue, last in listed:
        age = age_on(born, as_of)
        if is_overdue:
            overdue.append(
                {
                    "resident_id": str(rid),
                    "name": name,
                    "age": age,
                    "household_no": household_no,
                    "last_check_up": last.isoformat() if last else None,
                }
            )
        if age >= CONDOLENCE_AGE:
            condolence.append(
                {
                    "resident_id": str(rid),
                    "name": name,
                    "age": age,
                    "gender": gender.value,
                    "household_no": household_no,
                    "address": address,
                    "file_opened": bool(is_open),
                }
            )
    # Never checked up first, then the longest ago.
    overdue.sort(key=lambda row: (row["last_check_up"] or "", row["name"]))
    return {
        "community": community.name,
        "as_of": as_of.isoformat(),
        "residents_60_plus": residents,
        "files_opened": opened,
        "files_due": residents - opened,
        "coverage_percent": coverage_percent(opened, residents),
        "check_ups_overdue": overdue_count,
        "residents_80_plus": very_old_count,
        "overdue": overdue,
        "condolence_visits": condolence,
    }


def _rows(data: dict[str, Any]) -> tuple[tuple[Any, ...], ...]:
    percent = data["coverage_percent"]
    rows: list[tuple[Any, ...]] = [
        (
            "合计 / total",
            data["community"],
            None,
            None,
            None,
            f"60岁以上 / 60+ {data['residents_60_plus']}; "
            f"已建档 / files opened {data['files_opened']}; "
            f"建档率 / coverage {'-' if percent is None else f'{percent}%'}; "
            f"逾期未体检 / check-ups overdue {data['check_ups_overdue']}; "
            f"80岁以上 / 80+ {data['residents_80_plus']}",
        )
    ]
    rows.extend(
        (
            "逾期未体检 / check-up overdue",
            row["name"],
            row["age"],
            row["household_no"],
            row["last_check_up"],
            "从未体检 / never checked" if row["last_check_up"] is None else None,
        )
        for row in data["overdue"]
    )
    rows.extend(
        (
            "高龄慰问 / condolence visit",
            row["name"],
            row["age"],
            row["household_no"],
            None,
            row["address"] if row["file_opened"] else f"未建档 / no file; {row['address'] or ''}",
        )
        for row in data["condolence_visits"]
    )
    return tuple(rows)
