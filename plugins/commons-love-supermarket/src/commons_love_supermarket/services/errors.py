"""The supermarket's refusals: its rules do not allow an operation, and nothing was written."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from commons_core import CommonsError
from commons_love_supermarket.model import Item

__all__ = ["InsufficientFunds", "NotEligible", "NotSetUp", "OutOfStock", "QuotaExceeded", "Refused"]


class Refused(CommonsError):
    """The supermarket's rules do not allow this; nothing was written."""


class NotSetUp(Refused):
    """The community has no love supermarket yet."""

    def __init__(self, community: object) -> None:
        super().__init__(
            f"社区 {community} 尚未设立爱心超市(请先运行 commons supermarket setup)",
            f"community {community} has no love supermarket yet"
            " (run commons supermarket setup first)",
        )


class NotEligible(Refused):
    """The household may not buy. The message never says why."""

    def __init__(self, household_no: str) -> None:
        self.household_no = household_no
        super().__init__(
            f"户 {household_no} 不符合爱心超市购买条件,不能购买",
            f"household {household_no} may not buy at the love supermarket",
        )


class QuotaExceeded(Refused):
    """The sale would take the household over its monthly quota."""

    def __init__(self, household_no: str, zh: Sequence[str], en: Sequence[str]) -> None:
        self.household_no = household_no
        super().__init__(
            f"户 {household_no} 超过每月限额:" + ";".join(zh),
            f"household {household_no} would exceed its monthly quota: " + "; ".join(en),
        )


class OutOfStock(Refused):
    """Not enough of one or more items on the shelf."""

    def __init__(self, shortages: Sequence[tuple[Item, int]]) -> None:
        self.shortages = tuple(shortages)
        super().__init__(
            "库存不足:"
            + ";".join(
                f"{i.name} 现有 {i.quantity}{i.unit},需要 {n}{i.unit}" for i, n in shortages
            ),
            "not enough in stock: "
            + "; ".join(f"{i.name} {i.quantity} {i.unit} left, {n} wanted" for i, n in shortages),
        )


class InsufficientFunds(Refused):
    """The account holds less than a payment: it never goes below zero."""

    def __init__(self, balance: Decimal, amount: Decimal) -> None:
        self.balance = balance
        self.amount = amount
        super().__init__(
            f"专户余额 {balance} 元,不足以支付 {amount} 元",
            f"the account holds {balance} yuan, not enough to pay {amount} yuan",
        )
