"""``community-summary``: the headline figures of one community."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, distinct, func, select

from commons_core.model import (
    Community,
    Compound,
    Ethnicity,
    Household,
    Label,
    PartnerUnit,
    PartyBranch,
    PartyMember,
    Resident,
    ResidentsGroup,
    ResidentStatus,
    ServicePoint,
    Staff,
)
from commons_core.reports.base import Report, ReportParams, ReportResult, key_value_rows

if TYPE_CHECKING:
    from commons_core.services import UnitOfWork

__all__ = ["AGE_BANDS", "CommunitySummary", "years_before"]

AGE_BANDS = ("0-17", "18-59", "60-79", "80+")

LABELS = {
    "community": Label("社区", "community"),
    "households": Label("户数", "households"),
    "residents": Label("人口", "residents"),
    "minority_households": Label("少数民族户", "minority households"),
    "ethnic_groups": Label("民族数", "ethnic groups"),
    "residents_groups": Label("居民小组", "residents' groups"),
    "compounds": Label("小区", "compounds"),
    "party_members": Label("党员", "party members"),
    "party_branches": Label("党组织", "party organisations"),
    "partner_units": Label("共建单位", "partner units"),
    "service_points": Label("服务网点", "service points"),
    "staff": Label("社区工作者", "staff"),
    "age_bands": Label("年龄段", "age bands"),
}


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


class CommunitySummary(Report):
    """Households, residents, ethnic composition, organisations and age bands.

    Counts of entities the actor may not list are ``None`` (withheld), not an error.
    """

    name = "community-summary"
    title = Label("社区概况", "community summary")
    description = Label(
        "户数、人口、民族、组织与年龄结构", "households, residents, ethnicity, organisations, ages"
    )

    def run(self, uow: UnitOfWork, community: Community, params: ReportParams) -> ReportResult:
        """Count everything with one statement per table, whatever the community's size."""
        cid = community.id
        conn = uow.connection
        r = uow.scoped(Resident)
        active = and_(r.c.community_id == cid, r.c.status == ResidentStatus.ACTIVE)
        day = params.as_of
        bands = [years_before(day, n) for n in (18, 60, 80)]
        resident_row = conn.execute(
            select(
                func.count(),
                func.count(distinct(r.c.ethnicity)),
                func.count(distinct(case((r.c.ethnicity != Ethnicity.HAN, r.c.household_id)))),
                func.sum(case((r.c.birth_date > bands[0], 1), else_=0)),
                func.sum(
                    case((and_(r.c.birth_date <= bands[0], r.c.birth_date > bands[1]), 1), else_=0)
                ),
                func.sum(
                    case((and_(r.c.birth_date <= bands[1], r.c.birth_date > bands[2]), 1), else_=0)
                ),
                func.sum(case((r.c.birth_date <= bands[2], 1), else_=0)),
            ).where(active)
        ).one()

        def count(model: type) -> int | None:
            # Figures of entities the actor may not list are withheld (None), so
            # that every role can see the overview of what it may see.
            if not uow.can(f"{uow.commons.entity(model).name}:list"):
                return None
            t = uow.scoped(model)
            return int(
                conn.execute(
                    select(func.count()).select_from(t).where(t.c.community_id == cid)
                ).scalar_one()
            )

        data: dict[str, Any] = {
            "community": community.name,
            "households": count(Household),
            "residents": int(resident_row[0]),
            "minority_households": int(resident_row[2]),
            "ethnic_groups": int(resident_row[1]),
            "residents_groups": count(ResidentsGroup),
            "compounds": count(Compound),
            "party_members": count(PartyMember),
            "party_branches": count(PartyBranch),
            "partner_units": count(PartnerUnit),
            "service_points": count(ServicePoint),
            "staff": count(Staff),
            "age_bands": dict(zip(AGE_BANDS, (int(v or 0) for v in resident_row[3:]), strict=True)),
        }
        columns, rows = key_value_rows(data, LABELS)
        return ReportResult(data=data, columns=columns, rows=rows)
