"""Languages and formats: Chinese by default, English on request; Chinese money and dates.

Money is always written the Chinese way (``¥1,234.50``); dates are
``2026年11月27日`` in Chinese and ``27 Nov 2026`` in English.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

from commons_core.model import Label, LabeledEnum
from commons_core.serialization import CHINA_TIME

__all__ = [
    "LANGUAGES",
    "Language",
    "format_day",
    "format_moment",
    "format_money",
    "format_month",
    "format_number",
    "parse_language",
    "text",
]

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")
LANGUAGE_COOKIE = "lang"

_DATE_PATTERN = {"zh": "long", "en": "d MMM y"}
_MONTH_PATTERN = {"zh": "y年M月", "en": "MMM y"}
_MOMENT_PATTERN = {"zh": "yyyy年M月d日 HH:mm:ss", "en": "d MMM y HH:mm:ss"}
_LOCALE = {"zh": "zh_CN", "en": "en_GB"}


def parse_language(value: str | None) -> Language:
    """The language named by ``value`` (a cookie); Chinese for anything unknown."""
    return "en" if value == "en" else "zh"


def text(language: Language, zh: str, en: str) -> str:
    """``zh`` or ``en`` by ``language``."""
    return en if language == "en" else zh


def label_text(language: Language, item: Label | LabeledEnum | None) -> str:
    """A model label or enum member in ``language``; empty for ``None``."""
    if item is None:
        return ""
    return text(language, item.zh, item.en)


def format_day(language: Language, day: date | None) -> str:
    """``2026年11月27日`` (Chinese) or ``27 Nov 2026`` (English)."""
    if day is None:
        return ""
    return format_date(day, _DATE_PATTERN[language], locale=_LOCALE[language])


def format_month(language: Language, day: date | None) -> str:
    """The month of ``day``: ``2026年11月`` (Chinese) or ``Nov 2026`` (English)."""
    if day is None:
        return ""
    return format_date(day, _MONTH_PATTERN[language], locale=_LOCALE[language])


def format_moment(language: Language, moment: datetime | None) -> str:
    """A date and time in China time (naive values are taken as UTC, as SQLite returns them)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(
        moment.astimezone(CHINA_TIME), _MOMENT_PATTERN[language], locale=_LOCALE[language]
    )


def format_money(amount: Decimal | int | None) -> str:
    """``¥1,234.50`` whatever the language (Chinese convention)."""
    if amount is None:
        return ""
    return format_currency(amount, "CNY", locale="zh_CN")


def format_number(value: int | Decimal | None) -> str:
    """``5,835``; a dash for a withheld figure."""
    if value is None:
        return "—"
    return format_decimal(value, locale="zh_CN")
