"""Rules about days every working system needs: not in the future, and from ≤ to.

Each factory returns an :class:`~commons_core.validation.ObjectRule` for a
model, to return from ``commons_validation_rules`` like any other rule::

    not_in_future(Sale, "sold_on")                       # code date.future
    date_range(SensitivePeriod, "starts_on", "ends_on")  # code date.order

The messages name the fields by their labels, in Chinese and English
(``售出日期 2026-03-02 晚于今天 2026-03-01``). A field that is ``None`` is not
checked (whether it may be empty is its type's business). Date-time fields
work too: a moment is compared by its day in China time, the zone naive
date-times are taken to be in.

The codes are the core's (``date.future``, ``date.order``), the same in every
plugin that uses these rules: they may be used unprefixed by any plugin
(:mod:`commons_core.validation.codes`). The core's own rules pass codes of
their own, older than these factories (``birth_date.future``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from commons_core.errors import Problem
from commons_core.model.fields import Label, field_info
from commons_core.validation.rules import ObjectRule, RuleContext, declare_codes

__all__ = ["FUTURE", "ORDER", "date_range", "not_in_future"]

FUTURE = "date.future"
"""The code of a day after today."""
ORDER = "date.order"
"""The code of a range whose end comes before its start."""

_CHINA = ZoneInfo("Asia/Shanghai")


def not_in_future(target: type, *fields: str, code: str = FUTURE) -> ObjectRule:
    """A rule: each of ``fields`` of ``target`` (dates or date-times) is not after today.

    "Today" is the rule context's (:class:`~commons_core.validation.RuleContext`),
    so tests and imports may fix it. One problem per field after today, at that
    field, with ``code``.
    """
    labels = _labels(target, fields)

    @declare_codes(code)
    def check(obj: Any, context: RuleContext) -> Iterator[Problem]:
        for name in fields:
            value = getattr(obj, name)
            if value is None:
                continue
            day = _day(value)
            if day > context.today:
                zh, en = labels[name].zh, labels[name].en
                yield Problem(
                    name,
                    value.isoformat(),
                    code,
                    f"{zh} {day} 晚于今天 {context.today}",
                    f"{en} {day} is after today ({context.today})",
                )

    return ObjectRule(target, code, check)


def date_range(
    target: type, start: str, end: str, *, strict: bool = False, code: str = ORDER
) -> ObjectRule:
    """A rule: the day in ``end`` is not before the day in ``start`` (from ≤ to).

    With ``strict``, ``end`` must come after ``start`` (a term of office ends
    after it starts). The problem is reported at ``end``, with ``code``. Dates and
    date-times alike; two date-times are compared as moments, not by their days.
    """
    labels = _labels(target, (start, end))
    first, last = labels[start], labels[end]
    after_zh, after_en = ("晚于", "after") if strict else ("不早于", "on or after")

    @declare_codes(code)
    def check(obj: Any, _context: RuleContext) -> Iterator[Problem]:
        begins, ends = getattr(obj, start), getattr(obj, end)
        if begins is None or ends is None:
            return
        if ends < begins or (strict and ends == begins):
            yield Problem(
                end,
                ends.isoformat(),
                code,
                f"{last.zh}({_shown(ends)})应{after_zh}{first.zh}({_shown(begins)})",
                f"{last.en} ({_shown(ends)}) must be {after_en} {first.en} ({_shown(begins)})",
            )

    return ObjectRule(target, code, check)


def _labels(target: type, names: tuple[str, ...]) -> dict[str, Label]:
    """The labels of ``target``'s fields ``names``; a field it lacks is a programming error."""
    known = attrs.fields_dict(target)
    missing = [n for n in names if n not in known]
    if missing or not names:
        raise TypeError(f"{target.__name__} has no field {', '.join(missing) or '(none given)'}")
    return {n: field_info(known[n]).label for n in names}


def _day(value: date) -> date:
    if isinstance(value, datetime):
        moment = value.astimezone(_CHINA) if value.tzinfo is not None else value
        return moment.date()
    return value


def _shown(value: date) -> str:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return value.isoformat()
