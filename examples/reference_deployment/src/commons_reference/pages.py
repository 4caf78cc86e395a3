"""The server-rendered pages: overview, households, residents, audit trail.

Every handler works through ``ctx.unit_of_work()`` as the logged-in user, so
what a page shows is exactly what the SDK lets that user see. Forms post back
to themselves; on bad input the page is shown again with each problem next
to its input, in Chinese and English.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from commons_core.access import ScopeKind
from commons_core.errors import (
    ConflictError,
    DuplicateError,
    Problem,
    ValidationError,
)
from commons_core.model import (
    Community,
    EmploymentStatus,
    Ethnicity,
    Gender,
    Household,
    HouseholdStatus,
    HouseholdType,
    RegistrationStatus,
    RelationToHead,
    Resident,
    ResidentsGroup,
    sensitive_fields,
)
from commons_core.services import UnitOfWork
from commons_core.storage.tables import community as community_table
from commons_reference import actions
from commons_reference.charts import Bar, PyramidRow, bar_chart, pyramid_chart
from commons_reference.context import Ctx
from commons_reference.contract import Form
from commons_reference.forms import problems_by_path, unflatten
from commons_reference.limits import MAX_PAGE
from commons_reference.queries import household_page, names_of, sorted_names

__all__ = ["CommunityPages", "HomePages"]

CHOICES = {
    "household_type": list(HouseholdType),
    "statuses": list(HouseholdStatus),
    "gender": list(Gender),
    "ethnicity": list(Ethnicity),
    "relation_to_head": list(RelationToHead),
    "registration_status": list(RegistrationStatus),
    "employment_status": list(EmploymentStatus),
}


def _form_values(form: dict[str, Any]) -> dict[str, Any]:
    # What the user typed, to show again beside the problems.
    return {k: v for k, v in form.items() if k != "_csrf_token"}


class HomePages(Controller):
    """The start page: the user's community, or the list of those they may see."""

    include_in_schema = False

    @get("/", sync_to_thread=True)
    def home(self, ctx: Ctx) -> Template | Redirect:
        """Go to the overview of the user's community, or list the communities."""
        with ctx.unit_of_work(readonly=True) as uow:
            found = uow.repo(Community).find(order_by=[community_table.c.name])
        one_place = len(found) == 1 or ctx.actor.scope.kind not in (ScopeKind.ALL, ScopeKind.STREET)
        if one_place and found:
            return Redirect(path=f"/c/{found[0].id}/")
        return ctx.render("communities.html", communities=found)


class CommunityPages(Controller):
    """The pages of one community."""

    path = "/c/{community_id:uuid}"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def overview(self, ctx: Ctx, community_id: FromPath[UUID]) -> Template:
        """Figures, age pyramid and ethnic composition."""
        today = date.today()
        with ctx.unit_of_work(readonly=True) as uow:
            place = actions.community(uow, community_id)
            data = actions.overview(uow, place, today)
        pyramid = pyramid_chart(
            [PyramidRow(b.band, b.male, b.female) for b in data.age_pyramid],
            title=ctx.t("年龄结构", "Age pyramid"),
            left_label=ctx.t("男", "male"),
            right_label=ctx.t("女", "female"),
        )
        ethnic = bar_chart(
            [Bar(ctx.label(e.ethnicity), e.residents) for e in data.ethnicities],
            title=ctx.t("民族构成", "Ethnic composition"),
        )
        return ctx.render(
            "overview.html",
            community=place,
            summary=data.summary,
            pyramid=pyramid,
            ethnic=ethnic,
            today=today,
        )

    @get("/households", sync_to_thread=True)
    def households(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        q: FromQuery[str] = "",
        zone: FromQuery[UUID | None] = None,
        page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
    ) -> Template:
        """Households with search and paging."""
        with ctx.unit_of_work(readonly=True) as uow:
            place = actions.community(uow, community_id)
            found = household_page(
                uow,
                community_id,
                search=q,
                grid_zone_id=zone,
                page=page,
                per_page=ctx.settings.page_size,
            )
            names = names_of(uow, community_id)
        return ctx.render(
            "households.html",
            community=place,
            result=found,
            q=q,
            zone=zone,
            zones=sorted_names(names["grid_zone"]),
            zone_names=names["grid_zone"],
        )

    @get("/households/{household_id:uuid}", sync_to_thread=True)
    def household(
        self, ctx: Ctx, community_id: FromPath[UUID], household_id: FromPath[UUID]
    ) -> Template:
        """A household with its members, masked per role."""
        return self._household_page(ctx, community_id, household_id, reveal=False)

    @post("/households/{household_id:uuid}/reveal", sync_to_thread=True, status_code=200)
    def reveal(
        self, ctx: Ctx, community_id: FromPath[UUID], household_id: FromPath[UUID]
    ) -> Template:
        """The page with sensitive values in clear, for roles that may (audited by the SDK)."""
        return self._household_page(ctx, community_id, household_id, reveal=True)

    def _household_page(
        self, ctx: Ctx, community_id: FromPath[UUID], household_id: FromPath[UUID], *, reveal: bool
    ) -> Template:
        with ctx.unit_of_work(readonly=not reveal) as uow:
            place = actions.community(uow, community_id)
            detail = actions.household_detail(uow, community_id, household_id, reveal=reveal)
            names = names_of(uow, community_id)
            can_reveal = actions.may_reveal(uow, Household) or actions.may_reveal(uow, Resident)
        return ctx.render(
            "household.html",
            community=place,
            detail=detail,
            names=names,
            can_reveal=can_reveal and not detail.revealed,
            today=date.today(),
        )

    @get("/households/new", sync_to_thread=True)
    def new_household(self, ctx: Ctx, community_id: FromPath[UUID]) -> Template:
        """The form registering a household with its members."""
        with ctx.unit_of_work(readonly=True) as uow:
            uow.require("household:create", "household")
            return self._household_form(ctx, uow, community_id, {}, [], members=1)

    @post("/households/new", sync_to_thread=True)
    def create_household(
        self, ctx: Ctx, community_id: FromPath[UUID], data: Form
    ) -> Template | Redirect:
        """Register the household, or show the form again with the problems."""
        members = _member_rows(data)
        if data.get("action") == "add_member":
            with ctx.unit_of_work(readonly=True) as uow:
                return self._household_form(ctx, uow, community_id, data, [], members=members + 1)
        registration = unflatten(data)
        if isinstance(registration.get("household"), dict):
            # The marker of the status boxes: no ticked box means no special status.
            registration["household"].pop("statuses_shown", None)
        try:
            with ctx.unit_of_work() as uow:
                stored = actions.register_household(uow, community_id, registration)
        except (ValidationError, DuplicateError) as error:
            status = 409 if isinstance(error, DuplicateError) else 422
            with ctx.unit_of_work(readonly=True) as uow:
                return self._household_form(
                    ctx,
                    uow,
                    community_id,
                    data,
                    error.problems,
                    members=members,
                    status_code=status,
                )
        return ctx.redirect(f"/c/{community_id}/households/{stored.household.id}")

    def _household_form(
        self,
        ctx: Ctx,
        uow: UnitOfWork,
        community_id: FromPath[UUID],
        values: dict[str, Any],
        problems: Any,
        *,
        members: int = 0,
        household: Household | None = None,
        status_code: int = 200,
    ) -> Template:
        place = actions.community(uow, community_id)
        names = names_of(uow, community_id)
        groups: list[tuple[UUID, str]] = []
        if uow.can("residents_group:list"):
            groups = [
                (g.id, g.name or str(g.number))
                for g in uow.repo(ResidentsGroup).find(
                    uow.commons.entity(ResidentsGroup).table.c.community_id == community_id
                )
            ]
        return ctx.render(
            "household_form.html",
            status_code=status_code,
            community=place,
            household=household,
            values=_form_values(values),
            errors=problems_by_path(problems),
            problems=problems,
            members=members,
            zones=sorted_names(names["grid_zone"]),
            buildings=sorted_names(names["building"]),
            groups=sorted(groups, key=lambda g: g[1]),
            choices=CHOICES,
            show_statuses=household is None or ctx.can("reveal:assistance"),
        )

    @get("/households/{household_id:uuid}/edit", sync_to_thread=True)
    def edit_household(
        self, ctx: Ctx, community_id: FromPath[UUID], household_id: FromPath[UUID]
    ) -> Template:
        """The form changing a household (special statuses only for roles that may see them)."""
        reveal = ctx.can("reveal:assistance")
        with ctx.unit_of_work(readonly=not reveal) as uow:
            uow.require("household:update", f"household {household_id}")
            current = actions.household(uow, community_id, household_id, reveal=reveal)
            values = _values_of(ctx, current)
            return self._household_form(ctx, uow, community_id, values, [], household=current)

    @post("/households/{household_id:uuid}/edit", sync_to_thread=True)
    def update_household(
        self, ctx: Ctx, community_id: FromPath[UUID], household_id: FromPath[UUID], data: Form
    ) -> Template | Redirect:
        """Store the change, or show the form again with the problems."""
        changes = unflatten(data)
        if "statuses_shown" in changes:
            # Unticking every box sends nothing: it means "no special status".
            changes.pop("statuses_shown")
            changes.setdefault("statuses", [])
        try:
            with ctx.unit_of_work() as uow:
                actions.update_household(uow, community_id, household_id, changes)
        except (ValidationError, ConflictError) as error:
            problems = error.problems if isinstance(error, ValidationError) else [_conflict(error)]
            with ctx.unit_of_work(readonly=True) as uow:
                current = actions.household(uow, community_id, household_id)
                return self._household_form(
                    ctx, uow, community_id, data, problems, household=current, status_code=422
                )
        return ctx.redirect(f"/c/{community_id}/households/{household_id}")

    @get("/households/{household_id:uuid}/members/new", sync_to_thread=True)
    def new_member(
        self, ctx: Ctx, community_id: FromPath[UUID], household_id: FromPath[UUID]
    ) -> Template:
        """The form adding a resident to a household."""
        with ctx.unit_of_work(readonly=True) as uow:
            uow.require("resident:create", "resident")
            place = actions.community(uow, community_id)
            home = actions.household(uow, community_id, household_id)
        return self._resident_form(ctx, place, home, None, {"relation_to_head": "child"}, [])

    @post("/households/{household_id:uuid}/members/new", sync_to_thread=True)
    def create_member(
        self, ctx: Ctx, community_id: FromPath[UUID], household_id: FromPath[UUID], data: Form
    ) -> Template | Redirect:
        """Add the resident, or show the form again with the problems."""
        try:
            with ctx.unit_of_work() as uow:
                actions.add_member(uow, community_id, household_id, unflatten(data))
        except (ValidationError, DuplicateError) as error:
            status = 409 if isinstance(error, DuplicateError) else 422
            with ctx.unit_of_work(readonly=True) as uow:
                place = actions.community(uow, community_id)
                home = actions.household(uow, community_id, household_id)
            return self._resident_form(ctx, place, home, None, data, error.problems, status)
        return ctx.redirect(f"/c/{community_id}/households/{household_id}")

    @get("/residents/{resident_id:uuid}/edit", sync_to_thread=True)
    def edit_resident(
        self, ctx: Ctx, community_id: FromPath[UUID], resident_id: FromPath[UUID]
    ) -> Template:
        """The form changing a resident; masked values stay unless retyped."""
        with ctx.unit_of_work(readonly=True) as uow:
            uow.require("resident:update", f"resident {resident_id}")
            place, person, home = _resident_with_home(uow, community_id, resident_id)
        # Masked values are shown as placeholders, never as values to send back.
        values = _values_of(ctx, person, without=set(sensitive_fields(Resident)))
        return self._resident_form(ctx, place, home, person, values, [])

    @post("/residents/{resident_id:uuid}/edit", sync_to_thread=True)
    def update_resident(
        self, ctx: Ctx, community_id: FromPath[UUID], resident_id: FromPath[UUID], data: Form
    ) -> Template | Redirect:
        """Store the change, or show the form again with the problems."""
        try:
            with ctx.unit_of_work() as uow:
                stored = actions.update_resident(uow, community_id, resident_id, unflatten(data))
        except (ValidationError, ConflictError) as error:
            problems = error.problems if isinstance(error, ValidationError) else [_conflict(error)]
            with ctx.unit_of_work(readonly=True) as uow:
                place, person, home = _resident_with_home(uow, community_id, resident_id)
            return self._resident_form(ctx, place, home, person, data, problems, 422)
        target = (
            f"/c/{community_id}/households/{stored.household_id}"
            if stored.household_id
            else f"/c/{community_id}/"
        )
        return ctx.redirect(target)

    def _resident_form(
        self,
        ctx: Ctx,
        place: Any,
        home: Household | None,
        person: Any,
        values: dict[str, Any],
        problems: Any,
        status_code: int = 200,
    ) -> Template:
        return ctx.render(
            "resident_form.html",
            status_code=status_code,
            community=place,
            home=home,
            person=person,
            values=_form_values(values),
            errors=problems_by_path(problems),
            problems=problems,
            choices=CHOICES,
        )

    @get("/audit", sync_to_thread=True)
    def audit(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        entity: FromQuery[str] = "",
        since: FromQuery[str] = "",
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
    ) -> Template:
        """The audit trail, newest first (auditors and administrators)."""
        size = ctx.settings.page_size
        with ctx.unit_of_work(readonly=True) as uow:
            place = actions.community(uow, community_id)
            entries = actions.audit_entries(
                uow,
                community_id,
                entity=entity,
                since=actions.parse_day(since, "since"),
                limit=size + 1,
                offset=(page - 1) * size,
            )
        return ctx.render(
            "audit.html",
            community=place,
            entries=entries[:size],
            more=len(entries) > size,
            page=page,
            entity=entity,
            since=since,
            entities=sorted(e.name for e in ctx.commons.entities),
        )


def _resident_with_home(
    uow: UnitOfWork, community_id: UUID, resident_id: UUID
) -> tuple[Community, Resident, Household | None]:
    """The community, the resident and their household (``None`` for none)."""
    place = actions.community(uow, community_id)
    person = actions.resident(uow, community_id, resident_id)
    home = None
    if person.household_id is not None:
        home = actions.household(uow, community_id, person.household_id)
    return place, person, home


def _member_rows(data: dict[str, Any]) -> int:
    members = unflatten(data).get("members")
    return max(1, len(members) if isinstance(members, list) else 0)


def _values_of(
    ctx: Ctx, record: object, without: set[str] | frozenset[str] = frozenset()
) -> dict[str, Any]:
    """A stored record as the values of its form's inputs."""
    return {
        k: v
        for k, v in ctx.commons.unstructure(record).items()
        if v is not None and k not in without
    }


def _conflict(error: ConflictError) -> Problem:
    if isinstance(error, DuplicateError):
        return error.problems[0]
    return Problem("version", error.expected_version, "conflict", error.zh, error.en)
