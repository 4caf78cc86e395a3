"""The supermarket's validation rules: money, quantities, donors, links and dates.

Rules that need the database (price never above cost, stock, quota,
balance) are checked by the services, which know the current figures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from commons_core import Label, Problem
from commons_core.validation import FieldRule, ObjectRule, Rule, RuleContext, RuleViolation
from commons_love_supermarket.model import (
    Donation,
    DonationKind,
    Donor,
    DonorKind,
    EligibilityChange,
    EntryKind,
    Item,
    LedgerEntry,
    LotLine,
    LotSource,
    OrderLine,
    Purchase,
    Sale,
    SaleLine,
    StockLot,
    SupermarketSettings,
)

__all__ = ["CENT", "check_money", "rules", "to_money"]

CENT = Decimal("0.01")
# Amounts are stored as NUMERIC(12, 2): ten digits before the decimal point.
MONEY_LIMIT = Decimal("10000000000")


def to_money(value: Decimal) -> Decimal:
    """``value`` rounded half up to the cent, the form every stored amount has."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def check_money(value: Any) -> Decimal:
    """A sum of money in yuan: not negative, at most two decimal places; normalised to two."""
    amount = Decimal(value)
    if not amount.is_finite():
        raise RuleViolation("money.invalid", "金额无效", "not a valid amount")
    if amount < 0:
        raise RuleViolation("money.negative", "金额不能为负数", "an amount cannot be negative")
    if amount >= MONEY_LIMIT:
        raise RuleViolation(
            "money.too_large", "金额应小于100亿元", "an amount must be below 10,000,000,000 yuan"
        )
    if amount != amount.quantize(CENT):
        raise RuleViolation(
            "money.places", "金额最多保留两位小数(分)", "an amount has at most two decimal places"
        )
    return amount.quantize(CENT)


def _positive_money(value: Any) -> Decimal:
    amount = check_money(value)
    if amount == 0:
        raise RuleViolation("money.positive", "金额应大于0", "the amount must be greater than 0")
    return amount


def _positive(value: int) -> int:
    if value <= 0:
        raise RuleViolation("number.positive", "应大于0", "must be greater than 0")
    return value


def _not_negative(value: int) -> int:
    if value < 0:
        raise RuleViolation("number.negative", "不能为负数", "cannot be negative")
    return value


def _not_in_future(field: str) -> Callable[[Any, RuleContext], Iterator[Problem]]:
    """An object rule: the date in ``field`` is not after today."""

    def check(obj: Any, context: RuleContext) -> Iterator[Problem]:
        day: date = getattr(obj, field)
        if day > context.today:
            yield Problem(
                field,
                day.isoformat(),
                "date.future",
                f"日期 {day} 晚于今天 {context.today}",
                f"the date {day} is after today ({context.today})",
            )

    return check


_DONOR_LINKS = {
    DonorKind.RESIDENT: "donor_resident_id",
    DonorKind.PARTNER_UNIT: "donor_partner_unit_id",
    DonorKind.OTHER: "donor_name",
}


def _links(obj: Any, wanted: str | None, fields: Iterable[str], what: Label) -> Iterator[Problem]:
    """Exactly the link field ``wanted`` is set among ``fields`` (``what`` names the record)."""
    for field in fields:
        value = getattr(obj, field)
        if field == wanted and value is None:
            yield Problem(
                field,
                None,
                "link.missing",
                f"{what.zh}须填写此项",
                f"{what.en}: this must be given",
            )
        elif field != wanted and value is not None:
            yield Problem(
                field,
                str(value),
                "link.unexpected",
                f"{what.zh}不应填写此项",
                f"{what.en}: this must be empty",
            )


def _donor_rules(obj: Donor, context: RuleContext) -> Iterator[Problem]:
    what = Label(f"{obj.kind.zh}捐赠方", f"a {obj.kind.en} donor")
    links = {DonorKind.RESIDENT: "resident_id", DonorKind.PARTNER_UNIT: "partner_unit_id"}
    yield from _links(obj, links.get(obj.kind), links.values(), what)


def _donation_rules(obj: Donation, context: RuleContext) -> Iterator[Problem]:
    what = Label(f"{obj.donor_kind.zh}捐赠方", f"a {obj.donor_kind.en} donor")
    yield from _links(obj, _DONOR_LINKS[obj.donor_kind], _DONOR_LINKS.values(), what)
    if obj.kind is DonationKind.MONEY and obj.amount == 0:
        yield Problem(
            "amount",
            str(obj.amount),
            "donation.money_zero",
            "捐款金额应大于0",
            "a money donation must be more than 0",
        )


def _lot_rules(obj: StockLot, context: RuleContext) -> Iterator[Problem]:
    wanted = "purchase_id" if obj.source is LotSource.PURCHASE else "donation_id"
    what = Label(f"{obj.source.zh}入库", f"a lot from a {obj.source.en}")
    yield from _links(obj, wanted, ("purchase_id", "donation_id"), what)


_ENTRY_LINKS = {
    EntryKind.SALE: "sale_id",
    EntryKind.DONATION: "donation_id",
    EntryKind.PURCHASE: "purchase_id",
}


def _entry_rules(obj: LedgerEntry, context: RuleContext) -> Iterator[Problem]:
    what = Label(f"{obj.kind.zh}账目", f"a {obj.kind.en} entry")
    yield from _links(obj, _ENTRY_LINKS[obj.kind], _ENTRY_LINKS.values(), what)


def _line_rules(obj: SaleLine, context: RuleContext) -> Iterator[Problem]:
    expected = to_money(obj.unit_price * obj.quantity)
    if obj.amount != expected:
        yield Problem(
            "amount",
            str(obj.amount),
            "sale_line.amount",
            f"金额应为单价×数量 = {expected}",
            f"the amount must be unit price × quantity = {expected}",
        )


def rules() -> list[Rule]:
    """Every rule of the plugin."""
    money_fields: list[tuple[type, str]] = [
        (Item, "unit_cost"),
        (Donation, "amount"),
        (Purchase, "amount"),
        (StockLot, "unit_cost"),
        (Sale, "amount"),
        (SaleLine, "unit_price"),
        (SaleLine, "amount"),
        (LedgerEntry, "amount"),
        (LedgerEntry, "balance_after"),
        (OrderLine, "unit_price"),
        (LotLine, "unit_cost"),
    ]
    positive_fields: list[tuple[type, str]] = [
        (StockLot, "quantity"),
        (Sale, "item_count"),
        (SaleLine, "quantity"),
        (LedgerEntry, "seq"),
        (OrderLine, "quantity"),
        (LotLine, "quantity"),
        (SupermarketSettings, "monthly_item_limit"),
    ]
    not_negative_fields: list[tuple[type, str]] = [
        (Item, "quantity"),
        (SupermarketSettings, "low_stock_threshold"),
    ]
    dated: list[tuple[type, str]] = [
        (Donation, "received_on"),
        (Purchase, "purchased_on"),
        (StockLot, "received_on"),
        (Sale, "sold_on"),
        (LedgerEntry, "entry_on"),
        (EligibilityChange, "occurred_on"),
    ]
    return [
        *(FieldRule(model, field, check_money) for model, field in money_fields),
        FieldRule(SupermarketSettings, "monthly_amount_limit", _positive_money),
        *(FieldRule(model, field, _positive) for model, field in positive_fields),
        *(FieldRule(model, field, _not_negative) for model, field in not_negative_fields),
        *(
            ObjectRule(model, "love_supermarket.not_in_future", _not_in_future(field))
            for model, field in dated
        ),
        ObjectRule(Donor, "love_supermarket.donor_links", _donor_rules),
        ObjectRule(Donation, "love_supermarket.donation_donor", _donation_rules),
        ObjectRule(StockLot, "love_supermarket.lot_source", _lot_rules),
        ObjectRule(LedgerEntry, "love_supermarket.ledger_links", _entry_rules),
        ObjectRule(SaleLine, "love_supermarket.sale_line_amount", _line_rules),
    ]
