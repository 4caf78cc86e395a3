"""The supermarket's reports: the account by month, stock levels, and the public disclosure.

Each runs a fixed number of SQL statements, whatever the amount of data,
through the actor's scope (``uow.scoped``). Amounts in ``data`` are strings
with two decimals (``"1234.50"``), dates ISO strings. A community without a
supermarket gives empty figures, not an error.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    FromClause,
    and_,
    case,
    distinct,
    extract,
    func,
    select,
)

from commons_core import Community, Label, PartnerUnit, Resident
from commons_core.reports import Report, ReportColumn, ReportParams, ReportResult
from commons_love_supermarket.model import (
    ZERO,
    Donation,
    DonationKind,
    EntryKind,
    Item,
    LedgerEntry,
    Purchase,
    Sale,
    SaleLine,
    SupermarketSettings,
)
from commons_love_supermarket.rules import to_money

if TYPE_CHECKING:
    from commons_core.services import UnitOfWork

__all__ = [
    "ANONYMOUS",
    "DEFAULT_THRESHOLD",
    "DisclosureReport",
    "LedgerReport",
    "StockReport",
    "stock_levels",
]

DEFAULT_THRESHOLD = 10
"""The low-stock threshold of a community whose supermarket sets none."""

ANONYMOUS = "匿名 / anonymous"
"""How the disclosure names an anonymous donor."""


def _money(value: Any) -> str:
    return str(to_money(Decimal(str(value or 0))))


def _column(key: str, zh: str, en: str) -> ReportColumn:
    return ReportColumn(key, Label(zh, en))


def _settings(uow: UnitOfWork, community_id: UUID) -> Any:
    table = uow.scoped(SupermarketSettings)
    return uow.connection.execute(
        select(table.c.name, table.c.low_stock_threshold).where(
            table.c.community_id == community_id
        )
    ).first()


def _period(
    uow: UnitOfWork, community_id: UUID, params: ReportParams
) -> tuple[date | None, date, date, Decimal, Decimal]:
    """The period and the account's balance before it and at its end, in one statement.

    Returns ``(start, lower, end, opening, closing)``: ``start`` is the period's
    own start, ``None`` for since the first entry; ``lower`` the first day it
    covers. A period given no start begins at the first entry but covers at
    most :data:`~commons_core.reports.MAX_PERIOD_DAYS` (ten years): when the
    account holds older entries, ``start`` is
    :attr:`~commons_core.reports.ReportParams.earliest_start` and the older
    entries are the opening balance.
    """
    end = params.period_end
    lower = params.start or params.earliest_start
    entries = uow.scoped(LedgerEntry)
    signed = case((entries.c.kind == EntryKind.PURCHASE, -entries.c.amount), else_=entries.c.amount)
    before = entries.c.entry_on < lower
    opening, closing, older = uow.connection.execute(
        select(
            func.coalesce(func.sum(case((before, signed), else_=0)), 0),
            func.coalesce(func.sum(signed), 0),
            func.count(case((before, 1))),
        ).where(entries.c.community_id == community_id, entries.c.entry_on <= end)
    ).one()
    start = params.start or (lower if older else None)
    return start, lower, end, to_money(Decimal(str(opening))), to_money(Decimal(str(closing)))


def _linked(target: FromClause, source: FromClause, column: str) -> ColumnElement[bool]:
    """The join condition of ``source.column`` to ``target``, within one community."""
    return and_(target.c.community_id == source.c.community_id, target.c.id == source.c[column])


def _months(first: date, last: date) -> list[tuple[int, int]]:
    """Every (year, month) from ``first``'s month to ``last``'s, in order."""
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


class LedgerReport(Report):
    """``love-supermarket-ledger``: the account's receipts, payments and balance per month.

    ``data`` keys: ``community``, ``from`` (the period's start or ``null``
    for since the first entry; a period given no start covers ten years at
    most, and ``from`` then says where it begins), ``to``, ``opening_balance``, ``sales`` and
    ``donations`` (the two kinds of receipt), ``receipts``, ``payments``
    (restocking purchases), ``closing_balance``, and ``months``: one object
    per calendar month of the period with ``month`` (``YYYY-MM``),
    ``sales``, ``donations``, ``receipts``, ``payments``, ``balance`` (at
    the month's end) and ``entries`` (how many). Give a period with
    ``--from``/``--to``; it ends on ``--as-of`` (today) otherwise.
    """

    name = "love-supermarket-ledger"
    title = Label("爱心超市专户收支", "love supermarket account")
    description = Label(
        "专户每月收入、支出与余额", "receipts, payments and balance of the account, by month"
    )

    def run(self, uow: UnitOfWork, community: Community, params: ReportParams) -> ReportResult:
        """Sum the account per month and kind in one statement; the balance runs in Python."""
        start, lower, end, opening, closing = _period(uow, community.id, params)
        entries = uow.scoped(LedgerEntry)
        year = extract("year", entries.c.entry_on)
        month = extract("month", entries.c.entry_on)
        in_period = [
            entries.c.community_id == community.id,
            entries.c.entry_on >= lower,
            entries.c.entry_on <= end,
        ]
        rows = uow.connection.execute(
            select(year, month, entries.c.kind, func.count(), func.sum(entries.c.amount))
            .where(*in_period)
            .group_by(year, month, entries.c.kind)
        ).all()
        sums: dict[tuple[int, int], dict[EntryKind, Decimal]] = defaultdict(dict)
        counts: dict[tuple[int, int], int] = defaultdict(int)
        for y, m, kind, count, amount in rows:
            sums[(int(y), int(m))][kind] = to_money(Decimal(str(amount)))
            counts[(int(y), int(m))] += int(count)
        first = start or (date(*min(sums), 1) if sums else None)
        months = []
        balance = opening
        totals = dict.fromkeys(EntryKind, ZERO)
        for key in _months(first, end) if first else []:
            kinds = sums.get(key, {})
            for kind, amount in kinds.items():
                totals[kind] += amount
            receipts = kinds.get(EntryKind.SALE, ZERO) + kinds.get(EntryKind.DONATION, ZERO)
            payments = kinds.get(EntryKind.PURCHASE, ZERO)
            balance += receipts - payments
            months.append(
                {
                    "month": f"{key[0]:04d}-{key[1]:02d}",
                    "sales": _money(kinds.get(EntryKind.SALE)),
                    "donations": _money(kinds.get(EntryKind.DONATION)),
                    "receipts": _money(receipts),
                    "payments": _money(payments),
                    "balance": _money(balance),
                    "entries": counts.get(key, 0),
                }
            )
        receipts = totals[EntryKind.SALE] + totals[EntryKind.DONATION]

        data: dict[str, Any] = {
            "community": community.name,
            "from": start.isoformat() if start else None,
            "to": end.isoformat(),
            "opening_balance": _money(opening),
            "sales": _money(totals[EntryKind.SALE]),
            "donations": _money(totals[EntryKind.DONATION]),
            "receipts": _money(receipts),
            "payments": _money(totals[EntryKind.PURCHASE]),
            "closing_balance": _money(closing),
            "months": months,
        }
        columns = (
            _column("month", "月份", "month"),
            _column("sales", "销售收入", "sales"),
            _column("donations", "捐款收入", "donations"),
            _column("receipts", "收入合计", "receipts"),
            _column("payments", "采购支出", "payments"),
            _column("balance", "月末余额", "balance"),
        )
        rows_out = tuple(tuple(m[c.key] for c in columns) for m in months)
        return ReportResult(data=data, columns=columns, rows=rows_out)


def stock_levels(
    uow: UnitOfWork, community_id: UUID, threshold: int | None = None
) -> dict[str, Any]:
    """The items on sale with their stock, the low ones first (the stock report's ``data``).

    ``threshold`` defaults to the supermarket's low-stock threshold; an
    item is low when it has no more than that many left.
    """
    if threshold is None:
        found = _settings(uow, community_id)
        threshold = DEFAULT_THRESHOLD if found is None else int(found.low_stock_threshold)
    items = uow.scoped(Item)
    rows = uow.connection.execute(
        select(items.c.name, items.c.unit, items.c.quantity, items.c.unit_cost)
        .where(items.c.community_id == community_id, items.c.active)
        .order_by(items.c.quantity > threshold, items.c.name)
    ).all()
    values = [to_money(Decimal(str(row.unit_cost)) * row.quantity) for row in rows]
    listed = [
        {
            "name": row.name,
            "unit": row.unit,
            "quantity": int(row.quantity),
            "unit_cost": _money(row.unit_cost),
            "value": _money(value),
            "low": row.quantity <= threshold,
        }
        for row, value in zip(rows, values, strict=True)
    ]
    return {
        "threshold": threshold,
        "items": listed,
        "low_stock": [row.name for row in rows if row.quantity <= threshold],
        "stock_value": _money(sum(values, ZERO)),
    }


STOCK_COLUMNS = (
    _column("name", "品名", "item"),
    _column("unit", "单位", "unit"),
    _column("quantity", "库存", "in stock"),
    _column("unit_cost", "成本单价", "unit cost"),
    _column("value", "库存金额", "value"),
    _column("low", "低于预警线", "low"),
)


class StockReport(Report):
    """``love-supermarket-stock``: what is on the shelf, low-stock items first.

    ``data`` keys: ``community``, ``threshold`` (the supermarket's low-stock
    threshold), ``items`` (each with ``name``, ``unit``, ``quantity``,
    ``unit_cost``, ``value``, ``low``), ``low_stock`` (names of the items
    with no more than ``threshold`` left) and ``stock_value``.
    """

    name = "love-supermarket-stock"
    title = Label("爱心超市库存", "love supermarket stock")
    description = Label(
        "在售商品库存,低于预警线的在前", "stock of the items on sale, low-stock items first"
    )

    def run(self, uow: UnitOfWork, community: Community, params: ReportParams) -> ReportResult:
        """Two statements: the threshold and the items."""
        data = {"community": community.name, **stock_levels(uow, community.id)}
        rows = tuple(
            (
                i["name"],
                i["unit"],
                i["quantity"],
                i["unit_cost"],
                i["value"],
                "✓" if i["low"] else "",
            )
            for i in data["items"]
        )
        return ReportResult(data=data, columns=STOCK_COLUMNS, rows=rows)


class DisclosureReport(Report):
    """``love-supermarket-disclosure``: figures fit for public posting (网上公开).

    Totals of sales, donations and purchases, the account's balances, the
    donors (anonymous ones as ``匿名 / anonymous``), what was sold and what
    is on the shelf. Buyers are never named: no household numbers, names
    or ids, only how many households bought.

    ``data`` keys: ``community``, ``supermarket``, ``from``, ``to``,
    ``sales`` (``count``, ``households``, ``items``, ``amount``),
    ``donations`` (``count``, ``money``, ``goods_value``), ``purchases``
    (``count``, ``amount``), ``opening_balance``, ``closing_balance``,
    ``donors`` (each ``date``, ``donor``, ``donor_kind``, ``kind``,
    ``value``), ``sold_items`` (each ``name``, ``unit``, ``quantity``,
    ``amount``) and ``stock`` (each ``name``, ``unit``, ``quantity``). The
    period is the ledger's: given no start, ten years at most.
    """

    name = "love-supermarket-disclosure"
    title = Label("爱心超市公示", "love supermarket public disclosure")
    description = Label(
        "销售、捐赠、采购与库存公示(不显示购买人)",
        "sales, donations, purchases and stock for posting (buyers not shown)",
    )
    public = True

    def run(self, uow: UnitOfWork, community: Community, params: ReportParams) -> ReportResult:
        """Seven statements: aggregates, and the lists of the period's donations and items."""
        cid = community.id
        start, lower, end, opening, closing = _period(uow, cid, params)
        found = _settings(uow, cid)

        def period(column: Any) -> list[ColumnElement[bool]]:
            return [column >= lower, column <= end]

        sales = uow.scoped(Sale)
        sale_row = uow.connection.execute(
            select(
                func.count(),
                func.count(distinct(sales.c.household_id)),
                func.coalesce(func.sum(sales.c.item_count), 0),
                func.coalesce(func.sum(sales.c.amount), 0),
            ).where(sales.c.community_id == cid, *period(sales.c.sold_on))
        ).one()
        lines, items = uow.scoped(SaleLine), uow.scoped(Item)
        sold = uow.connection.execute(
            select(items.c.name, items.c.unit, func.sum(lines.c.quantity), func.sum(lines.c.amount))
            .select_from(lines)
            .join(sales, _linked(sales, lines, "sale_id"))
            .join(items, _linked(items, lines, "item_id"))
            .where(lines.c.community_id == cid, *period(sales.c.sold_on))
            .group_by(items.c.name, items.c.unit)
            .order_by(items.c.name)
        ).all()
        gifts, people, units = uow.scoped(Donation), uow.scoped(Resident), uow.scoped(PartnerUnit)
        donor = func.coalesce(people.c.name, units.c.name, gifts.c.donor_name)
        donations = uow.connection.execute(
            select(
                gifts.c.received_on,
                gifts.c.donor_kind,
                donor.label("donor"),
                gifts.c.anonymous,
                gifts.c.kind,
                gifts.c.amount,
            )
            .select_from(gifts)
            .outerjoin(people, _linked(people, gifts, "donor_resident_id"))
            .outerjoin(units, _linked(units, gifts, "donor_partner_unit_id"))
            .where(gifts.c.community_id == cid, *period(gifts.c.received_on))
            .order_by(gifts.c.received_on, donor)
        ).all()
        bought = uow.scoped(Purchase)
        purchase_row = uow.connection.execute(
            select(func.count(), func.coalesce(func.sum(bought.c.amount), 0)).where(
                bought.c.community_id == cid, *period(bought.c.purchased_on)
            )
        ).one()
        threshold = DEFAULT_THRESHOLD if found is None else int(found.low_stock_threshold)
        shelf = stock_levels(uow, cid, threshold)

        donors = [
            {
                "date": row.received_on.isoformat(),
                "donor": ANONYMOUS if row.anonymous else row.donor,
                "donor_kind": row.donor_kind.value,
                "kind": row.kind.value,
                "value": _money(row.amount),
            }
            for row in donations
        ]

        def donated(kind: DonationKind) -> str:
            return _money(sum((Decimal(d["value"]) for d in donors if d["kind"] == kind), ZERO))

        data: dict[str, Any] = {
            "community": community.name,
            "supermarket": None if found is None else found.name,
            "from": start.isoformat() if start else None,
            "to": end.isoformat(),
            "sales": {
                "count": int(sale_row[0]),
                "households": int(sale_row[1]),
                "items": int(sale_row[2]),
                "amount": _money(sale_row[3]),
            },
            "donations": {
                "count": len(donors),
                "money": donated(DonationKind.MONEY),
                "goods_value": donated(DonationKind.GOODS),
            },
            "purchases": {"count": int(purchase_row[0]), "amount": _money(purchase_row[1])},
            "opening_balance": _money(opening),
            "closing_balance": _money(closing),
            "donors": donors,
            "sold_items": [
                {"name": r[0], "unit": r[1], "quantity": int(r[2]), "amount": _money(r[3])}
                for r in sold
            ],
            "stock": [
                {"name": i["name"], "unit": i["unit"], "quantity": i["quantity"]}
                for i in shelf["items"]
            ],
        }
        return ReportResult(data=data, columns=DISCLOSURE_COLUMNS, rows=_disclosure_rows(data))


DISCLOSURE_COLUMNS = (
    _column("section", "栏目", "section"),
    _column("name", "项目", "item"),
    _column("value", "数值", "value"),
)


def _disclosure_rows(data: dict[str, Any]) -> tuple[tuple[Any, ...], ...]:
    """The disclosure as one table: summary figures, then donors, items sold and stock."""
    sales, gifts, bought = data["sales"], data["donations"], data["purchases"]
    section = {
        "sales": "销售 / sales",
        "donations": "捐赠 / donations",
        "purchases": "采购 / purchases",
        "account": "专户 / account",
        "donor": "捐赠方 / donors",
        "sold": "售出商品 / items sold",
        "stock": "库存 / stock",
    }
    kinds = {k.value: k for k in DonationKind}
    rows: list[tuple[Any, ...]] = [
        (section["sales"], "笔数 / sales", sales["count"]),
        (section["sales"], "户数 / households", sales["households"]),
        (section["sales"], "件数 / items", sales["items"]),
        (section["sales"], "金额 / amount", sales["amount"]),
        (section["donations"], "笔数 / donations", gifts["count"]),
        (section["donations"], "捐款 / money", gifts["money"]),
        (section["donations"], "捐物价值 / goods value", gifts["goods_value"]),
        (section["purchases"], "笔数 / purchases", bought["count"]),
        (section["purchases"], "金额 / amount", bought["amount"]),
        (section["account"], "期初余额 / opening balance", data["opening_balance"]),
        (section["account"], "期末余额 / closing balance", data["closing_balance"]),
    ]
    rows += [
        (section["donor"], f"{d['date']} {d['donor']}({kinds[d['kind']].zh})", d["value"])
        for d in data["donors"]
    ]
    rows += [
        (section["sold"], f"{s['name']} {s['quantity']}{s['unit']}", s["amount"])
        for s in data["sold_items"]
    ]
    rows += [(section["stock"], s["name"], f"{s['quantity']}{s['unit']}") for s in data["stock"]]
    return tuple(rows)
