"""Mainland China phone numbers, checked with phonenumbers.

Mobile numbers are stored as their 11 digits (``13812345678``); landlines as
area code and number joined by a hyphen (``010-62345678``). ``+86``, ``0086``,
separators and full-width digits are accepted on input.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from .rules import RuleViolation

__all__ = ["check_phone", "mask_phone", "normalize_phone"]

_SEPARATORS = re.compile(r"[\s\-()().·]")
_MOBILE_SHAPE = re.compile(r"1[0-9]{10}")
"""A stored mainland mobile number: 11 ASCII digits from 1 (``\\d`` would take any script's)."""
MOBILE_PREFIX_DIGITS = 5
"""How many leading digits decide whether an 11-digit mainland number is a valid mobile."""


def normalize_phone(text: str) -> str:
    """The stored form of a mainland mobile or landline number, or :class:`RuleViolation`."""
    cleaned = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    for prefix in ("+86", "0086"):
        if cleaned.startswith(prefix):
            cleaned = cleaned[len(prefix) :]
            break
    if _MOBILE_SHAPE.fullmatch(cleaned):
        # Mainland mobile validity depends only on the first five digits in
        # phonenumbers' metadata (a test checks it against random numbers), so
        # its verdict is cached per five-digit prefix: a few hundred entries.
        if _mobile_prefix_valid(cleaned[:MOBILE_PREFIX_DIGITS]):
            return cleaned
        raise _invalid(text)
    try:
        parsed = phonenumbers.parse(cleaned, "CN")
    except NumberParseException:
        raise _invalid(text) from None
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        raise _invalid(text)
    kind = phonenumbers.number_type(parsed)
    if kind == PhoneNumberType.MOBILE:
        return str(parsed.national_number)
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    area, _, rest = national.partition(" ")
    return f"{area}-{rest.replace(' ', '')}"


def check_phone(value: object) -> str:
    """Field check for phone numbers."""
    if not isinstance(value, str):
        raise RuleViolation("type.string", "应为文本", "must be text")
    return normalize_phone(value)


_AREA_SHAPE = re.compile(r"0[0-9]{2,3}")
"""A stored landline's area code: 0 and two or three ASCII digits (010, 0731)."""


def mask_phone(number: str) -> str:
    """Show what kind of number it is, never a digit that tells it apart.

    A mobile keeps its first 3 digits (the network, 138), a landline its area
    code (the city, ``010-********``); every other character becomes ``*``,
    and text of any other shape is masked whole. The last digits, which the
    old mask showed, are the ones that single a number out among those of a
    city or an exchange (see ``docs/access.md``).
    """
    if _MOBILE_SHAPE.fullmatch(number):
        return number[:3] + "*" * 8
    area, sep, rest = number.partition("-")
    if sep and _AREA_SHAPE.fullmatch(area):
        return f"{area}-" + "*" * len(rest)
    return "*" * len(number)


@lru_cache(maxsize=4096)
def _mobile_prefix_valid(prefix: str) -> bool:
    parsed = phonenumbers.parse(prefix.ljust(11, "0"), "CN")
    return bool(
        phonenumbers.is_valid_number(parsed)
        and phonenumbers.number_type(parsed) == PhoneNumberType.MOBILE
    )


def _invalid(text: str) -> RuleViolation:
    return RuleViolation(
        "phone.invalid",
        "不是有效的中国大陆手机或固定电话号码",
        "not a valid mainland China mobile or landline number",
    )
