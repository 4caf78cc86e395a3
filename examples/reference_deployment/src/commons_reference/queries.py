"""The aggregate reads of the pages, each a fixed number of SQL statements.

Everything reads through the unit of work: :meth:`UnitOfWork.scoped` and the
repositories keep the actor's scope, so a grid worker's overview counts only
their zone, and sensitive values come back masked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

import attrs
from sqlalchemy import ColumnElement, case, func, or_, select

from commons_core.model import (
    Building,
    Ethnicity,
    Gender,
    GridZone,
    Household,
    RelationToHead,
    Resident,
    ResidentStatus,
)
from commons_core.reports.community_summary import years_before
from commons_core.services import UnitOfWork
from commons_core.storage.tables import household, resident

__all__ = [
    "AGE_BAND_YEARS",
    "AgeBand",
    "EthnicCount",
    "HouseholdPage",
    "HouseholdRow",
    "age_pyramid",
    "ethnic_composition",
    "household_page",
    "names_of",
]

AGE_BAND_YEARS = 5
OLDEST_BAND = 90


@attrs.frozen
class AgeBand:
    """Active residents of one five-year age band, by sex."""

    band: str
    male: int
    female: int


@attrs.frozen
class EthnicCount:
    """Active residents of one ethnic group."""

    ethnicity: Ethnicity
    residents: int


@attrs.frozen
class HouseholdRow:
    """A household as a list shows it: with its head's name and its number of members."""

    household: Household
    head_name: str | None
    members: int


@attrs.frozen
class HouseholdPage:
    """One page of a household search."""

    items: list[HouseholdRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the search has (at least one)."""
        return max(1, -(-self.total // self.per_page))


def _bands() -> list[str]:
    bands = [f"{a}-{a + AGE_BAND_YEARS - 1}" for a in range(0, OLDEST_BAND, AGE_BAND_YEARS)]
    return [*bands, f"{OLDEST_BAND}+"]


def age_pyramid(uow: UnitOfWork, community_id: UUID, day: date) -> list[AgeBand]:
    """Active residents by sex and five-year age band on ``day``, youngest band first."""
    r = uow.scoped(Resident)
    starts = range(AGE_BAND_YEARS, OLDEST_BAND + 1, AGE_BAND_YEARS)
    band = case(
        *((r.c.birth_date > years_before(day, years), i) for i, years in enumerate(starts)),
        else_=len(starts),
    ).label("band")
    rows = uow.connection.execute(
        select(band, r.c.gender, func.count())
        .where(r.c.community_id == community_id, r.c.status == ResidentStatus.ACTIVE)
        .group_by(band, r.c.gender)
    )
    counts: dict[tuple[int, Any], int] = {(int(b), g): int(n) for b, g, n in rows}
    return [
        AgeBand(
            band=name,
            male=counts.get((i, Gender.MALE), 0),
            female=counts.get((i, Gender.FEMALE), 0),
        )
        for i, name in enumerate(_bands())
    ]


def ethnic_composition(uow: UnitOfWork, community_id: UUID) -> list[EthnicCount]:
    """Active residents by ethnic group, largest first."""
    r = uow.scoped(Resident)
    rows = uow.connection.execute(
        select(r.c.ethnicity, func.count())
        .where(r.c.community_id == community_id, r.c.status == ResidentStatus.ACTIVE)
        .group_by(r.c.ethnicity)
        .order_by(func.count().desc(), r.c.ethnicity)
    )
    return [EthnicCount(e, int(n)) for e, n in rows]


def household_page(
    uow: UnitOfWork,
    community_id: UUID,
    *,
    search: str = "",
    grid_zone_id: UUID | None = None,
    page: int = 1,
    per_page: int = 50,
) -> HouseholdPage:
    """Households matching ``search`` (number, address or a member's name), one page.

    Four statements whatever the page: count, page, heads and member counts.
    """
    criteria: list[ColumnElement[bool]] = [household.c.community_id == community_id]
    words = search.strip()
    if words:
        pattern = f"%{_escape_like(words)}%"
        named = select(resident.c.household_id).where(
            resident.c.community_id == community_id,
            resident.c.name.like(pattern, escape="\\"),
        )
        criteria.append(
            or_(
                household.c.household_no.like(pattern, escape="\\"),
                household.c.address.like(pattern, escape="\\"),
                household.c.id.in_(named),
            )
        )
    if grid_zone_id is not None:
        criteria.append(household.c.grid_zone_id == grid_zone_id)
    repo = uow.households
    total = repo.count(*criteria)
    page = max(1, min(page, max(1, -(-total // per_page))))
    found = repo.find(
        *criteria,
        order_by=[household.c.household_no, household.c.id],
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    ids = [h.id for h in found]
    heads: dict[UUID, str] = {}
    sizes: dict[UUID, int] = {}
    if ids:
        r = uow.scoped(Resident)
        active = (r.c.community_id == community_id) & (r.c.status == ResidentStatus.ACTIVE)
        for household_id, name in uow.connection.execute(
            select(r.c.household_id, r.c.name).where(
                active, r.c.household_id.in_(ids), r.c.relation_to_head == RelationToHead.HEAD
            )
        ):
            heads[household_id] = name
        for household_id, count in uow.connection.execute(
            select(r.c.household_id, func.count())
            .where(active, r.c.household_id.in_(ids))
            .group_by(r.c.household_id)
        ):
            sizes[household_id] = int(count)
    items = [HouseholdRow(h, heads.get(h.id), sizes.get(h.id, 0)) for h in found]
    return HouseholdPage(items=items, total=total, page=page, per_page=per_page)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def names_of(uow: UnitOfWork, community_id: UUID) -> dict[str, dict[UUID, str]]:
    """Names of the community's grid zones and buildings the actor may list, for display."""
    names: dict[str, dict[UUID, str]] = {"grid_zone": {}, "building": {}}
    if uow.can("grid_zone:list"):
        names["grid_zone"] = {
            z.id: z.name or str(z.number)
            for z in uow.repo(GridZone).find(_in_community(GridZone, community_id, uow))
        }
    if uow.can("building:list"):
        names["building"] = {
            b.id: b.name
            for b in uow.repo(Building).find(_in_community(Building, community_id, uow))
        }
    return names


def _in_community(model: type, community_id: UUID, uow: UnitOfWork) -> ColumnElement[bool]:
    table = uow.commons.entity(model).table
    condition: ColumnElement[bool] = table.c.community_id == community_id
    return condition


def sorted_names(names: dict[UUID, str]) -> Sequence[tuple[UUID, str]]:
    """``(id, name)`` pairs in name order, for a select box."""
    return sorted(names.items(), key=lambda item: item[1])
