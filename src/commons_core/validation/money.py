"""Sums of money: ``Decimal`` yuan with two places, declared once on the field.

::

    @attrs.frozen(kw_only=True)
    class Sale:
        amount: Decimal = money_field("金额(元)", "amount (yuan)")
        refund: Decimal | None = money_field("退款(元)", "refund (yuan)", default=None)
        adjustment: Decimal = money_field("调整(元)", "adjustment", negative=True)

The field carries its rule (no ``commons_validation_rules`` entry is needed),
which runs on every path — the converter, imports, objects built in Python:

- input may be a ``Decimal``, an ``int``, a ``float`` (by its shortest
  representation: ``0.1`` is 0.1) or text as people write amounts:
  ``12.5``, ``1,234.50``, ``¥12.50``, ``￥12.50``, ``12.50元``, full-width digits;
  not ``1e3``, ``12,5``, ``$12`` or ``1,2345`` (``money.invalid``);
- at most two decimal places: ``12.505`` is refused (``money.places``), never
  rounded; the value is kept with exactly two (``12.5`` becomes ``12.50``);
- not negative unless ``negative=True`` (``money.negative``), more than zero
  with ``positive=True`` (``money.positive``), below 10,000,000,000 yuan, what
  ``NUMERIC(12, 2)`` holds (``money.too_large``).

The column is :data:`commons_core.storage.money.MONEY` (``NUMERIC(12, 2)``);
:func:`commons_core.storage.money.money_column` builds it with the matching
``CHECK`` constraint. :data:`MONEY_KEY` in a field's metadata says the field is
money (for deriving tables and spreadsheet columns).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any

import attrs

from commons_core.errors import ConfigurationError
from commons_core.model.fields import Sensitivity, label
from commons_core.validation.rules import (
    FIELD_CHECKS,
    FIELD_PARSER,
    RuleViolation,
    declare_codes,
)

__all__ = ["CENT", "MONEY_KEY", "MONEY_LIMIT", "Money", "money_field"]

CENT = Decimal("0.01")
"""The smallest amount: one fen (分)."""
MONEY_LIMIT = Decimal("10000000000")
"""Every amount is below this: ``NUMERIC(12, 2)`` holds ten digits before the point."""
MONEY_KEY = "commons.money"
"""Field metadata key: the field's :class:`Money`."""

CODES = ("money.invalid", "money.places", "money.negative", "money.positive", "money.too_large")
"""Every code the money rule reports."""

_AMOUNT = re.compile(
    r"(?P<sign>[+-]?)\s*¥?\s*(?P<digits>\d{1,3}(?:,\d{3})+|\d+)(?P<fraction>\.\d+)?\s*(?:元)?"
)


@attrs.frozen
class Money:
    """What one money field accepts: the sign, in a :func:`money_field`'s metadata."""

    negative: bool = False
    """Whether the amount may be below zero (an adjustment)."""
    positive: bool = False
    """Whether it must be above zero (a price)."""

    def __attrs_post_init__(self) -> None:
        if self.negative and self.positive:
            raise ConfigurationError(
                "金额字段不能既允许负数又要求大于0",
                "a money field cannot both allow negative amounts and require positive ones",
            )

    def parse(self, value: Any) -> Decimal:
        """``value`` as an amount with two places, or :class:`RuleViolation` saying why."""
        amount = _amount(value)
        if abs(amount) >= MONEY_LIMIT:
            raise RuleViolation(
                "money.too_large",
                "金额应小于100亿元",
                "an amount must be below 10,000,000,000 yuan",
            )
        if amount != amount.quantize(CENT):
            raise RuleViolation(
                "money.places",
                "金额最多保留两位小数(分),不会自动四舍五入",
                "an amount has at most two decimal places (it is not rounded)",
            )
        if amount < 0 and not self.negative:
            raise RuleViolation("money.negative", "金额不能为负数", "an amount cannot be negative")
        if amount <= 0 and self.positive:
            raise RuleViolation("money.positive", "金额应大于0", "the amount must be more than 0")
        return amount.quantize(CENT)


def money_field(
    zh: str,
    en: str,
    *,
    negative: bool = False,
    positive: bool = False,
    sensitive: Sensitivity | None = None,
    **field: Any,
) -> Any:
    """An attrs field holding a sum of money in yuan, labelled ``zh`` / ``en``.

    ``negative`` allows amounts below zero, ``positive`` requires them above
    zero; other keywords (``default``, ``factory`` …) go to :func:`attrs.field`.
    """
    money = Money(negative=negative, positive=positive)

    @declare_codes(*CODES)
    def check(value: Any) -> Decimal:
        return money.parse(value)

    metadata = {
        **label(zh, en, sensitive=sensitive),
        MONEY_KEY: money,
        FIELD_CHECKS: (check,),
        FIELD_PARSER: money.parse,
    }
    return attrs.field(metadata=metadata, **field)


def _amount(value: Any) -> Decimal:
    """A finite ``Decimal`` from what people and programs give for an amount."""
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int) and not isinstance(value, bool):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        match = _AMOUNT.fullmatch(text)
        if match is None:
            raise _invalid()
        digits = match["digits"].replace(",", "") + (match["fraction"] or "")
        amount = Decimal(match["sign"] + digits)
    else:
        raise _invalid()
    if not amount.is_finite():
        raise _invalid()
    return amount


def _invalid() -> RuleViolation:
    return RuleViolation(
        "money.invalid",
        "不是金额(应写作 12.50、1,234.50 或 ¥12.50)",
        "not an amount (write 12.50, 1,234.50 or ¥12.50)",
    )
