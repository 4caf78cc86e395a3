"""Pages and JSON API of elderly health records for the reference deployment.

Imported only inside the ``commons_web_pages`` hook, so the plugin works
where the web app (``commons-reference-deployment``) is not installed. Pages
live under ``/c/{community_id}/elderly-health/``: the coverage report, the
overdue check-ups, and a form recording a blood pressure whose problems (the
SDK's rules: ranges, systolic above diastolic) show next to their inputs. The
API under ``/api/v1/communities/{community_id}/elderly-health/`` does the same
in JSON. Everything runs as the logged-in user, so the SDK decides who sees
what: the report needs ``elderly_health_file:list``, recording needs
``elderly_health:record``, and readings are shown in clear only after a save,
to a user holding ``reveal:health``, as an audited reveal.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
from commons_reference.api import error_responses
from commons_reference.bodies import JsonObject, creation
from commons_reference.contract import Ctx, Form, NavLink, WebContribution
from commons_reference.forms import clean_input, problems_by_path
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template

from commons_core import Community, Label, ValidationError
from commons_core.reports import ReportParams
from commons_core.services import UnitOfWork

from .model import Measurement
from .reports import COVERAGE, LIST_FILES
from .services import RECORD, HealthRecords

__all__ = ["NAME", "HealthApi", "HealthPages", "contribution"]

NAME = "elderly-health"
"""The URL segment and template folder."""


class NewMeasurement(JsonObject):
    """Readings of a resident with an open file: resident_id, measured_on (default today),
    systolic, diastolic, glucose, weight."""

    shape = creation(
        Measurement, without=("file_id",), optional=("measured_on",), name="NewMeasurementIn"
    )


BP_FIELDS = ("resident_id", "measured_on", "systolic", "diastolic")
"""The inputs of the blood pressure form, named as the SDK names its problems."""


def contribution() -> WebContribution:
    """What the plugin adds to the reference deployment."""
    return WebContribution(
        name=NAME,
        title=Label("老年人健康档案", "elderly health records"),
        pages=[HealthPages],
        api=[HealthApi],
        nav=[
            NavLink(Label("健康档案", "Health files"), "", LIST_FILES),
            NavLink(Label("逾期体检", "Overdue check-ups"), "overdue", LIST_FILES),
            NavLink(Label("记录血压", "Record blood pressure"), "blood-pressure", RECORD),
        ],
        templates=Path(__file__).parent / "templates" / NAME,
    )


def coverage(uow: UnitOfWork, community_id: UUID, day: date) -> tuple[Community, dict[str, Any]]:
    """The community and its ``elderly-health-coverage`` data (the report checks who may)."""
    place = uow.repo(Community).get(community_id)
    report = uow.commons.reports[COVERAGE]
    return place, report.run(uow, place, ReportParams(as_of=day)).data


def record(uow: UnitOfWork, community_id: UUID, data: Mapping[str, Any]) -> Measurement:
    """Record readings from input (form or JSON): the converter and the rules check every field.

    Problems name the inputs (``systolic``, ``resident_id`` …), all of them at once.
    """
    uow.require(RECORD)
    payload: dict[str, Any] = {
        **{k: v for k, v in data.items() if k not in ("community_id", "file_id")},
        "community_id": str(community_id),
        # A placeholder: the service files the reading in the resident's open file.
        "file_id": str(UUID(int=0)),
    }
    if payload.get("measured_on") in (None, ""):
        payload["measured_on"] = uow.rule_context.today.isoformat()
    reading = uow.commons.structure(clean_input(payload, Measurement), Measurement)
    return HealthRecords(uow).add_measurement(reading)


@attrs.frozen
class Saved:
    """A reading just recorded, as the form shows it after a save."""

    name: str
    reading: Measurement


class HealthPages(Controller):
    """The pages: coverage, overdue check-ups, and the blood pressure form."""

    include_in_schema = False

    @get("/", sync_to_thread=True)
    def coverage_page(self, ctx: Ctx, community_id: FromPath[UUID]) -> Template:
        """Coverage of residents 60+, and the 80+ list for condolence visits."""
        with ctx.unit_of_work(readonly=True) as uow:
            place, data = coverage(uow, community_id, date.today())
        return ctx.render(f"{NAME}/coverage.html", community=place, data=data)

    @get("/overdue", sync_to_thread=True)
    def overdue_page(self, ctx: Ctx, community_id: FromPath[UUID]) -> Template:
        """Residents whose last check-up is more than 12 months old, or who never had one."""
        with ctx.unit_of_work(readonly=True) as uow:
            place, data = coverage(uow, community_id, date.today())
        return ctx.render(
            f"{NAME}/overdue.html", community=place, data=data, can_record=ctx.can(RECORD)
        )

    @get("/blood-pressure", sync_to_thread=True)
    def blood_pressure_form(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        resident: FromQuery[UUID | None] = None,
        saved: FromQuery[UUID | None] = None,
    ) -> Template:
        """The form, with the reading just saved (revealed to its recorder, audited)."""
        done = None
        with ctx.unit_of_work(readonly=saved is None) as uow:
            uow.require(RECORD)
            place = uow.repo(Community).get(community_id)
            if saved is not None:
                reading = uow.repo(Measurement).get(saved, reveal=True)
                done = Saved(uow.residents.get(reading.resident_id).name, reading)
            choices = HealthRecords(uow).residents_with_open_files(community_id)
        values = {"resident_id": str(resident) if resident else "", "measured_on": ""}
        return self._form(ctx, place, choices, values, [], done)

    @post("/blood-pressure", sync_to_thread=True)
    def record_blood_pressure(
        self, ctx: Ctx, community_id: FromPath[UUID], data: Form
    ) -> Template | Redirect:
        """Record a blood pressure; on bad input the form again, each problem by its input."""
        entered = {k: data.get(k, "") for k in BP_FIELDS}
        try:
            with ctx.unit_of_work() as uow:
                stored = record(uow, community_id, entered)
        except ValidationError as error:
            with ctx.unit_of_work(readonly=True) as uow:
                place = uow.repo(Community).get(community_id)
                choices = HealthRecords(uow).residents_with_open_files(community_id)
            return self._form(ctx, place, choices, entered, error.problems, None, 422)
        return ctx.redirect(
            f"/c/{community_id}/{NAME}/blood-pressure?resident={stored.resident_id}"
            f"&saved={stored.id}"
        )

    def _form(
        self,
        ctx: Ctx,
        place: Community,
        choices: list[tuple[UUID, str, str | None]],
        values: dict[str, Any],
        problems: Any,
        saved: Saved | None,
        status_code: int = 200,
    ) -> Template:
        return ctx.render(
            f"{NAME}/blood_pressure.html",
            status_code=status_code,
            community=place,
            residents=[(str(rid), f"{name}({number or '—'})") for rid, name, number in choices],
            values=values,
            errors=problems_by_path(problems),
            problems=problems,
            saved=saved,
            Measurement=Measurement,
        )


class HealthApi(Controller):
    """The JSON API: coverage, overdue check-ups, recording readings."""

    @get("/coverage", sync_to_thread=True, responses=error_responses())
    def coverage_api(
        self, ctx: Ctx, community_id: FromPath[UUID], as_of: FromQuery[date | None] = None
    ) -> dict[str, Any]:
        """The ``elderly-health-coverage`` report's data (needs ``elderly_health_file:list``)."""
        with ctx.unit_of_work(readonly=True) as uow:
            return coverage(uow, community_id, as_of or date.today())[1]

    @get("/overdue", sync_to_thread=True, responses=error_responses())
    def overdue_api(
        self, ctx: Ctx, community_id: FromPath[UUID], as_of: FromQuery[date | None] = None
    ) -> list[dict[str, Any]]:
        """Residents with an open file and no check-up in the last 12 months."""
        with ctx.unit_of_work(readonly=True) as uow:
            overdue: list[dict[str, Any]] = coverage(uow, community_id, as_of or date.today())[1][
                "overdue"
            ]
        return overdue

    @post("/measurements", sync_to_thread=True, status_code=201, responses=error_responses())
    def record_api(
        self, ctx: Ctx, community_id: FromPath[UUID], data: JSONBody[NewMeasurement]
    ) -> Measurement:
        """Record readings of a resident with an open file (needs ``elderly_health:record``).

        422 lists every problem with its path (``systolic``: out of range, or
        not above ``diastolic`` …).
        """
        with ctx.unit_of_work() as uow:
            return record(uow, community_id, data)
