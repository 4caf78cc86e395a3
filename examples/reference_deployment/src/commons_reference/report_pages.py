"""Every report's page and its CSV/XLSX download, core's and plugins' alike, with no code in
the plugin: a report declared in a manifest is at ``/c/{community}/reports/{name}``.

The page offers the parameters every report takes (the day, and a period from
and to), shows the report's table, and links its downloads; the download runs
the report again as the user, so what a file holds is what the page showed.
The report itself checks what the user may read (a refusal is the 403 page).
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from urllib.parse import quote, urlencode
from uuid import UUID

from litestar import Controller, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from commons_core.reports import ReportParams
from commons_core.reports.files import MEDIA_TYPES, report_bytes
from commons_reference import actions
from commons_reference.api import report_named, report_result
from commons_reference.context import Ctx
from commons_reference.contract import FromDate, ToDate

__all__ = ["ReportPages"]


class ReportPages(Controller):
    """The reports of one community: their list, each one's page, and its downloads."""

    path = "/c/{community_id:uuid}/reports"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def index(self, ctx: Ctx, community_id: FromPath[UUID]) -> Template:
        """Every report of the core and the installed plugins."""
        with ctx.unit_of_work(readonly=True) as uow:
            place = actions.community(uow, community_id)
        reports = sorted(ctx.commons.reports.values(), key=lambda r: r.name)
        return ctx.render("reports.html", community=place, reports=reports)

    @get("/{name:str}", sync_to_thread=True)
    def report(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        name: FromPath[str],
        as_of: FromQuery[date | None] = None,
        start: FromDate = None,
        end: ToDate = None,
    ) -> Template:
        """The report's table for the day and period asked for, with its downloads."""
        report = report_named(ctx, name)
        params = ReportParams(as_of=as_of or date.today(), start=start, end=end)
        place, result = report_result(ctx, community_id, report, params)
        query = {
            "as_of": params.as_of.isoformat(),
            **({"from": start.isoformat()} if start else {}),
            **({"to": end.isoformat()} if end else {}),
        }
        return ctx.render(
            "report.html",
            community=place,
            report=report,
            result=result,
            params=params,
            downloads={
                f: f"{name}/download?{urlencode({**query, 'format': f})}" for f in MEDIA_TYPES
            },
        )

    @get("/{name:str}/download", sync_to_thread=True)
    def download(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        name: FromPath[str],
        format: FromQuery[Literal["csv", "xlsx"]] = "csv",
        as_of: FromQuery[date | None] = None,
        start: FromDate = None,
        end: ToDate = None,
    ) -> Response[bytes]:
        """The report's table as a CSV or XLSX file."""
        report = report_named(ctx, name)
        params = ReportParams(as_of=as_of or date.today(), start=start, end=end)
        place, result = report_result(ctx, community_id, report, params)
        title = f"{report.title.zh} {place.name}"
        filename = f"{name}-{params.as_of.isoformat()}.{format}"
        return Response(
            report_bytes(result, title, format),
            media_type=MEDIA_TYPES[format],
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
        )
