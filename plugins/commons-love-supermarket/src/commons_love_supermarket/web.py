"""The love supermarket's pages and JSON API in the reference deployment (commons_reference).

Contributed through the ``commons_web_pages`` hook (see :mod:`.hooks`), so this
module is imported only where the web app is installed. Pages, under
``/c/{community_id}/love-supermarket/``: ``stock`` (the catalogue with its
quantities, low stock marked), ``sale`` (sell to a household; refusals shown
with the plugin's reason, never *why* a household may or may not buy) and
``ledger`` (the account by month and the entries of a month). The JSON API,
under ``/api/v1/communities/{community_id}/love-supermarket/``, does the same
reads and the sale.

Every handler works through ``ctx.unit_of_work()`` with
:class:`~commons_love_supermarket.SupermarketService` and the plugin's
reports, so access rules, scope, masking and audit apply.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
from commons_reference import actions
from commons_reference.api import ReportOut, error_responses, run_report
from commons_reference.contract import Ctx, Form, FromDate, NavLink, ToDate, WebContribution
from commons_reference.forms import clean_input, problems_by_path, unflatten
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template
from sqlalchemy import select

from commons_core import Household, Label, NotFound, Problem, ValidationError
from commons_core.reports import ReportParams
from commons_love_supermarket.model import Eligibility, Item, OrderLine, Sale, SaleRecord
from commons_love_supermarket.reports import LedgerReport, StockReport
from commons_love_supermarket.services import (
    SELL,
    Refused,
    SupermarketService,
    lookup,
    month_bounds,
)
from commons_love_supermarket.tables import item as item_table
from commons_love_supermarket.tables import ledger as ledger_table

__all__ = ["NAME", "SaleIn", "SupermarketApi", "SupermarketPages", "contribution"]

NAME = "love-supermarket"
TEMPLATES = Path(__file__).parent / "templates" / NAME
ITEMS = item_table.name
LEDGER = ledger_table.name
_LINE = re.compile(r"^lines\[(\d+)\]")
REFUSED = {
    400: "refused by the supermarket's rules (ineligible household, quota, stock); nothing written"
}


@attrs.frozen(kw_only=True)
class SaleIn:
    """A sale to make: the household, the items and quantities (price defaults to the cost)."""

    household_id: UUID
    lines: list[OrderLine]
    on: date | None = None


class SupermarketPages(Controller):
    """Stock, sale and ledger pages."""

    include_in_schema = False

    @get("/stock", sync_to_thread=True)
    def stock(self, ctx: Ctx, community_id: FromPath[UUID]) -> Template:
        """The catalogue with quantities, low-stock items first and marked."""
        with ctx.unit_of_work(readonly=True) as uow:
            place = actions.community(uow, community_id)
            report = StockReport().run(uow, place, ReportParams())
            shop = SupermarketService(uow)
            name = shop.settings(community_id).name
        return ctx.render(
            f"{NAME}/stock.html",
            community=place,
            shop_name=name,
            stock=report.data,
            can_sell=ctx.can(SELL),
        )

    @get("/sale", sync_to_thread=True)
    def sale_form(
        self, ctx: Ctx, community_id: FromPath[UUID], sold: FromQuery[UUID | None] = None
    ) -> Template:
        """The sale form; after a sale, what was sold."""
        with ctx.unit_of_work(readonly=True) as uow:
            uow.require(SELL)
            done = None
            if sold is not None:
                sale = uow.repo(Sale).get(sold)
                home = actions.household(uow, community_id, sale.household_id)
                done = (sale, home.household_no)
            return self._form(ctx, uow, community_id, {}, [], sold=done)

    @post("/sale", sync_to_thread=True)
    def sell(self, ctx: Ctx, community_id: FromPath[UUID], data: Form) -> Template | Redirect:
        """Sell, or show the form again with the problems or the refusal."""
        values = unflatten(data)
        sent = values.get("lines")
        rows: list[Any] = sent if isinstance(sent, list) else []
        # Rows left empty are items not bought; the others keep their row number for errors.
        kept = [
            i
            for i, row in enumerate(rows)
            if isinstance(row, dict) and (row.get("quantity") or row.get("unit_price"))
        ]
        number = str(values.get("household_no") or "").strip()
        try:
            with ctx.unit_of_work() as uow:
                uow.require(SELL)
                home = self._household(uow, community_id, number)
                order = ctx.commons.structure(
                    {
                        "household_id": str(home.id),
                        "lines": [clean_input(rows[i], OrderLine) for i in kept],
                    },
                    SaleIn,
                )
                record = SupermarketService(uow).sell(home.id, order.lines)
        except ValidationError as error:
            problems = [_form_path(p, kept) for p in error.problems]
            with ctx.unit_of_work(readonly=True) as uow:
                return self._form(ctx, uow, community_id, data, problems, status_code=422)
        except Refused as error:
            with ctx.unit_of_work(readonly=True) as uow:
                return self._form(ctx, uow, community_id, data, [], refusal=error, status_code=400)
        return ctx.redirect(f"/c/{community_id}/{NAME}/sale?sold={record.sale.id}")

    @staticmethod
    def _household(uow: Any, community_id: UUID, number: str) -> Household:
        if not number:
            raise ValidationError.single(
                "household_no", number, "required", "请填写户号", "enter the household number"
            )
        try:
            found: Household = lookup(uow, Household, "household_no", community_id, number)
        except NotFound:
            raise ValidationError.single(
                "household_no",
                number,
                "love_supermarket.no_household",
                f"本社区没有户号为 {number} 的住户",
                f"no household numbered {number} in this community",
            ) from None
        return found

    def _form(
        self,
        ctx: Ctx,
        uow: Any,
        community_id: UUID,
        values: dict[str, Any],
        problems: Sequence[Problem],
        *,
        sold: tuple[Sale, str] | None = None,
        refusal: Refused | None = None,
        status_code: int = 200,
    ) -> Template:
        place = actions.community(uow, community_id)
        items = [i for i in SupermarketService(uow).items(community_id) if i.active]
        # Only the numbers, for the input's suggestions: reading whole households
        # (masked, one object each) would cost more than the rest of the page.
        homes = uow.scoped(Household)
        numbers = uow.connection.execute(
            select(homes.c.household_no)
            .where(homes.c.community_id == community_id)
            .order_by(homes.c.household_no)
        ).scalars()
        return ctx.render(
            f"{NAME}/sale.html",
            status_code=status_code,
            community=place,
            items=items,
            numbers=list(numbers),
            values={k: v for k, v in values.items() if k != "_csrf_token"},
            errors=problems_by_path(problems),
            problems=problems,
            sold=sold,
            refusal=refusal,
        )

    @get("/ledger", sync_to_thread=True)
    def ledger(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        month: FromQuery[str] = "",
    ) -> Template:
        """The account by month, and the entries of one month (the latest by default)."""
        report = run_report(ctx, community_id, LedgerReport())
        months = [m["month"] for m in report.data["months"]]
        chosen = month if month in months else (months[-1] if months else "")
        first = date.fromisoformat(f"{chosen}-01") if chosen else date.today().replace(day=1)
        start, following = month_bounds(first)
        with ctx.unit_of_work(readonly=True) as uow:
            place = actions.community(uow, community_id)
            entries = SupermarketService(uow).entries(
                community_id, start=start, end=following - timedelta(days=1)
            )
        return ctx.render(
            f"{NAME}/ledger.html",
            community=place,
            ledger=report.data,
            months=[
                (date.fromisoformat(f"{m}-01"), row)
                for m, row in zip(months, report.data["months"], strict=True)
            ],
            month=first,
            chosen=chosen,
            entries=entries,
        )


def _form_path(problem: Problem, kept: Sequence[int]) -> Problem:
    """``problem`` with its path naming the form's row (empty rows are not sent as lines)."""
    found = _LINE.match(problem.path)
    if found is None or int(found.group(1)) >= len(kept):
        return problem
    return attrs.evolve(
        problem, path=_LINE.sub(f"lines[{kept[int(found.group(1))]}]", problem.path)
    )


class SupermarketApi(Controller):
    """The love supermarket's JSON API."""

    tags = (NAME,)

    @get("/stock", sync_to_thread=True, responses=error_responses())
    def stock(self, ctx: Ctx, community_id: FromPath[UUID]) -> ReportOut:
        """The ``love-supermarket-stock`` report: items on sale, low-stock first."""
        return run_report(ctx, community_id, StockReport())

    @get("/items", sync_to_thread=True, responses=error_responses())
    def items(self, ctx: Ctx, community_id: FromPath[UUID]) -> list[Item]:
        """The catalogue with ids, unit costs and quantities (what a sale names)."""
        with ctx.unit_of_work(readonly=True) as uow:
            actions.community(uow, community_id)
            return SupermarketService(uow).items(community_id)

    @get(
        "/households/{household_id:uuid}/eligibility",
        sync_to_thread=True,
        responses=error_responses(),
    )
    def eligibility(
        self, ctx: Ctx, community_id: FromPath[UUID], household_id: FromPath[UUID]
    ) -> Eligibility:
        """Whether the household may buy today: *that*, never *why*."""
        with ctx.unit_of_work(readonly=True) as uow:
            actions.household(uow, community_id, household_id)
            return SupermarketService(uow).check_eligibility(household_id)

    @post("/sales", sync_to_thread=True, status_code=201, responses=error_responses(REFUSED))
    def sell(self, ctx: Ctx, community_id: FromPath[UUID], data: JSONBody[SaleIn]) -> SaleRecord:
        """Sell to a household at cost (``unit_price`` may be lower, never higher)."""
        with ctx.unit_of_work() as uow:
            uow.require(SELL)
            actions.household(uow, community_id, data.household_id)
            return SupermarketService(uow).sell(data.household_id, data.lines, on=data.on)

    @get("/ledger", sync_to_thread=True, responses=error_responses())
    def ledger(
        self,
        ctx: Ctx,
        community_id: FromPath[UUID],
        start: FromDate = None,
        end: ToDate = None,
    ) -> ReportOut:
        """The ``love-supermarket-ledger`` report: receipts, payments and balance by month."""
        return run_report(ctx, community_id, LedgerReport(), start=start, end=end)


def contribution() -> WebContribution:
    """What the plugin adds to the reference deployment."""
    return WebContribution(
        name=NAME,
        title=Label("爱心超市", "love supermarket"),
        pages=[SupermarketPages],
        api=[SupermarketApi],
        nav=[
            NavLink(
                Label("爱心超市库存", "supermarket stock"), "stock", "love_supermarket_item:list"
            ),
            NavLink(Label("爱心超市销售", "supermarket sale"), "sale", SELL),
            NavLink(
                Label("爱心超市账目", "supermarket ledger"),
                "ledger",
                "love_supermarket_ledger:list",
            ),
        ],
        templates=TEMPLATES,
    )
