"""The plugin's validation rules: plausible readings, paired blood pressure, dates.

They run on every path (API input, imports, Python objects, the web form), so
a reading outside its range is refused with the range in the message, in
Chinese and English. Messages never go to the log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import attrs

from commons_core import Problem
from commons_core.validation import (
    FieldRule,
    ObjectRule,
    Rule,
    RuleContext,
    RuleViolation,
    check_phone,
)

from .model import CheckUp, FileStatus, HealthFile, Measurement

__all__ = ["RANGES", "ReadingRange", "elderly_health_rules"]

TENTH = Decimal("0.1")


@attrs.frozen
class ReadingRange:
    """The plausible values of one reading, both ends included."""

    zh: str
    en: str
    unit: str
    low: Decimal
    high: Decimal

    def check(self, value: Any) -> Decimal:
        """``value`` as a number within the range, or :class:`RuleViolation` saying the range."""
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            number = Decimal("NaN")
        if not number.is_finite():
            raise RuleViolation(
                "elderly_health.reading",
                f"{self.zh}应为数字({self.low}–{self.high} {self.unit}),而不是 {value}",
                f"{self.en} must be a number ({self.low}–{self.high} {self.unit}), not {value}",
            )
        if not self.low <= number <= self.high:
            raise RuleViolation(
                "elderly_health.range",
                f"{self.zh}应在 {self.low}–{self.high} {self.unit} 之间,而不是 {value}",
                f"{self.en} must be between {self.low} and {self.high} {self.unit}, not {value}",
            )
        return number


RANGES = {
    "systolic": ReadingRange("收缩压", "systolic pressure", "mmHg", Decimal(60), Decimal(260)),
    "diastolic": ReadingRange("舒张压", "diastolic pressure", "mmHg", Decimal(30), Decimal(160)),
    "glucose": ReadingRange("血糖", "blood glucose", "mmol/L", Decimal("1.0"), Decimal("35.0")),
    "weight": ReadingRange("体重", "weight", "kg", Decimal(25), Decimal(250)),
}
"""Plausible ranges of the readings of :class:`Measurement`, by field."""


def _whole(field: str) -> Callable[[Any], int]:
    reading = RANGES[field]

    def check(value: Any) -> int:
        number = reading.check(value)
        if number != number.to_integral_value():
            raise RuleViolation(
                "elderly_health.whole",
                f"{reading.zh}应为整数({reading.unit}),而不是 {value}",
                f"{reading.en} must be a whole number of {reading.unit}, not {value}",
            )
        return int(number)

    return check


def _tenths(field: str) -> Callable[[Any], Decimal]:
    reading = RANGES[field]

    def check(value: Any) -> Decimal:
        # Stored with one decimal place: finer readings are rounded, not refused.
        return reading.check(value).quantize(TENTH, rounding=ROUND_HALF_UP)

    return check


def _not_after_today(
    day: date, context: RuleContext, path: str, zh: str, en: str
) -> Problem | None:
    if day > context.today:
        return Problem(
            path,
            day.isoformat(),
            "elderly_health.future",
            f"{zh} {day} 晚于今天",
            f"{en} {day} is after today",
        )
    return None


def _measurement(item: Measurement, context: RuleContext) -> Iterator[Problem]:
    readings = (item.systolic, item.diastolic, item.glucose, item.weight)
    if all(value is None for value in readings):
        yield Problem(
            "systolic",
            None,
            "elderly_health.empty",
            "至少填写一项:血压、血糖或体重",
            "record at least one reading: blood pressure, blood glucose or weight",
        )
    if (item.systolic is None) != (item.diastolic is None):
        missing = "diastolic" if item.diastolic is None else "systolic"
        yield Problem(
            missing,
            None,
            "elderly_health.pressure_pair",
            "收缩压和舒张压须同时填写",
            "systolic and diastolic pressure go together",
        )
    elif (
        item.systolic is not None and item.diastolic is not None and item.systolic <= item.diastolic
    ):
        yield Problem(
            "systolic",
            str(item.systolic),
            "elderly_health.systolic_above_diastolic",
            f"收缩压 {item.systolic} mmHg 应高于舒张压 {item.diastolic} mmHg",
            f"systolic {item.systolic} mmHg must be above diastolic {item.diastolic} mmHg",
        )
    future = _not_after_today(
        item.measured_on, context, "measured_on", "测量日期", "the reading's day"
    )
    if future:
        yield future


def _check_up(item: CheckUp, context: RuleContext) -> Iterator[Problem]:
    future = _not_after_today(
        item.checked_on, context, "checked_on", "体检日期", "the check-up's day"
    )
    if future:
        yield future


def _health_file(item: HealthFile, context: RuleContext) -> Iterator[Problem]:
    if item.status is FileStatus.OPEN and item.opened_on is None:
        yield Problem(
            "opened_on",
            None,
            "elderly_health.opened_on",
            "已建档的档案须填写建档日期",
            "an open file needs the day it was opened",
        )
    if item.opened_on is not None:
        future = _not_after_today(
            item.opened_on, context, "opened_on", "建档日期", "the opening day"
        )
        if future:
            yield future


def elderly_health_rules() -> list[Rule]:
    """Every rule of the plugin."""
    return [
        FieldRule(Measurement, "systolic", _whole("systolic")),
        FieldRule(Measurement, "diastolic", _whole("diastolic")),
        FieldRule(Measurement, "glucose", _tenths("glucose")),
        FieldRule(Measurement, "weight", _tenths("weight")),
        FieldRule(HealthFile, "contact_phone", check_phone),
        ObjectRule(Measurement, "elderly_health.measurement", _measurement),
        ObjectRule(CheckUp, "elderly_health.check_up", _check_up),
        ObjectRule(HealthFile, "elderly_health.file", _health_file),
    ]
