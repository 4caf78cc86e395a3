"""Resident ID numbers (居民身份证号码, GB 11643-1999), checked with python-stdnum.

Input is normalised first: full-width digits and letters (１２３Ｘ), spaces and
hyphens, and a lower-case ``x`` are accepted and cleaned. A 15-digit
first-generation number (issued before 1999, all holders born in the 1900s)
is upgraded to 18 digits by inserting ``19`` before the year and computing
the check digit; any other length is rejected.

A number keeps its area code (地址码) for life, whatever becomes of the
division: 110103 (崇文区, merged into 东城区 in 2010) is as valid today as when
it was issued. So the area code is refused only when it cannot be one: when
its province part (the first two digits) is not a province code
(:data:`PROVINCE_CODES`). A code missing from stdnum's table of divisions
(which holds many abolished ones, but not all) is accepted silently: the rule
system has no warnings, and an old card is not an error. Nor is the code
checked against the year of birth: first-generation cards issued in 1984–85
carry the division codes of their issue date, so people born before a
division was created legitimately hold its code.

The mask (:func:`mask_id_number`) shows the province part only; see
``docs/access.md`` for why.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from functools import lru_cache

import attrs
from stdnum import numdb
from stdnum.cn import ric

from commons_core.model.enums import Gender

from .rules import RuleViolation

__all__ = [
    "MASKED_PROVINCES",
    "PROVINCE_CODES",
    "IdNumberFacts",
    "id_number_facts",
    "mask_id_number",
    "normalize_id_number",
]

_STRIP = str.maketrans("", "", " -\t\u3000")

RESIDENCE_PERMIT_PROVINCES = frozenset({"71", "81", "82", "83"})
"""Taiwan (71 in GB/T 2260; 83 on the residence permits of Taiwan residents) and Hong Kong
and Macao (81, 82): the residence permits of their residents (港澳台居民居住证, 2018)
carry 810000, 820000 or 830000, one code per province part."""

PROVINCE_CODES: frozenset[str] = frozenset(
    {f"{n:02d}" for n in range(100) if "province" in numdb.get("cn/loc").info(f"{n:02d}0000")[0][1]}
    | RESIDENCE_PERMIT_PROVINCES
)
"""The first two digits an area code may have: stdnum's provinces, and 83."""

MASKED_PROVINCES: frozenset[str] = PROVINCE_CODES - RESIDENCE_PERMIT_PROVINCES
"""Province parts :func:`mask_id_number` shows: those holding many division codes (at
least 32 in stdnum's table). Under 71, 81, 82 and 83 one code is all there is, so
showing the part would show the whole area code; such numbers are masked whole."""


@attrs.frozen
class IdNumberFacts:
    """What an ID number says about its holder."""

    number: str
    birth_date: date
    gender: Gender


def normalize_id_number(text: str) -> str:
    """Clean an ID number and upgrade a 15-digit one to 18 digits.

    Raises :class:`RuleViolation` when the text is not an ID number at all.
    """
    number = unicodedata.normalize("NFKC", text).translate(_STRIP).upper()
    if len(number) == 15:
        if not number.isdigit():
            raise _format_error()
        body = number[:6] + "19" + number[6:]
        number = body + ric.calc_check_digit(body + "0")
    if len(number) != 18:
        raise RuleViolation(
            "id_number.length",
            f"长度应为18位(或15位旧号码),实际为{len(number)}位",
            f"must have 18 characters (or 15 for an old number), got {len(number)}",
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise _format_error()
    return number


@lru_cache(maxsize=1024)
def id_number_facts(text: str) -> IdNumberFacts:
    """Normalise and fully check an ID number; return what it says.

    Checks, in order: format, check digit (stdnum), birth date (a real date, not in the
    future), area code. Raises :class:`RuleViolation` for the first failure.
    """
    number = normalize_id_number(text)
    if number[17] != ric.calc_check_digit(number):
        raise RuleViolation("id_number.check_digit", "校验码错误", "check digit is wrong")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise RuleViolation(
            "id_number.birth_date",
            "号码中的出生日期不是有效日期",
            "the birth date inside the number is not a real date",
        ) from None
    if birth > date.today():
        raise RuleViolation(
            "id_number.birth_date",
            "号码中的出生日期晚于今天",
            "the birth date inside the number is in the future",
        )
    if number[:2] not in PROVINCE_CODES:
        raise RuleViolation(
            "id_number.area_code",
            f"地址码 {number[:6]} 的前两位 {number[:2]} 不是省级行政区划代码",
            f"area code {number[:6]}: {number[:2]} is not the code of a province",
        )
    gender = Gender.MALE if int(number[16]) % 2 else Gender.FEMALE
    return IdNumberFacts(number=number, birth_date=birth, gender=gender)


def check_id_number(value: object) -> str:
    """Field check for ID numbers: the normalised number, or :class:`RuleViolation`."""
    if not isinstance(value, str):
        raise RuleViolation("type.string", "应为文本", "must be text")
    return id_number_facts(value).number


def mask_id_number(number: str) -> str:
    """Show the province part only: ``11****************``.

    The rest is the county, the birth date (shown in clear elsewhere), the
    sequence (whose last digit is the sex, also shown) and the check
    character (fixed by the others): showing any of it would narrow the
    number down to a few hundred candidates. Anything but an 18-character
    number of a province in :data:`MASKED_PROVINCES` is masked whole.
    """
    if len(number) == 18 and number[:2] in MASKED_PROVINCES:
        return number[:2] + "*" * 16
    return "*" * len(number)


def _format_error() -> RuleViolation:
    return RuleViolation(
        "id_number.format",
        "格式错误:前17位应为数字,末位为数字或X",
        "wrong format: 17 digits followed by a digit or X",
    )
