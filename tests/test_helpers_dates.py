"""Date rules every working system needs: not in the future, and from ≤ to.

The factories of :mod:`commons_core.validation.date_rules` on a model of a
plugin's kind, through the converter (API and imports) and on objects built in
Python, and the core's own rules that use them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import ClassVar
from uuid import uuid4
from zoneinfo import ZoneInfo

import attrs
import pytest

from commons_core import Label, Problem, Resident, Seat, ValidationError
from commons_core.model import label
from commons_core.serialization import Codec, make_converter
from commons_core.validation import RuleContext, RuleSet, date_range, not_in_future
from commons_core.validation.core_rules import core_rules

TODAY = date(2026, 3, 1)
CONTEXT = RuleContext(today=TODAY)


@attrs.frozen(kw_only=True)
class Visit:
    """A plugin's record with a day, a moment and a period."""

    LABEL: ClassVar[Label] = Label("走访", "visit")

    visited_on: date = attrs.field(metadata=label("走访日期", "visited on"))
    noted_at: datetime | None = attrs.field(default=None, metadata=label("记录时间", "noted at"))
    starts_on: date = attrs.field(metadata=label("开始日期", "first day"))
    ends_on: date | None = attrs.field(default=None, metadata=label("结束日期", "last day"))


RULES = RuleSet(
    [
        not_in_future(Visit, "visited_on", "noted_at"),
        date_range(Visit, "starts_on", "ends_on"),
    ]
)
CODEC = Codec(make_converter(RULES), RULES)


def visit(**changes: object) -> Visit:
    values: dict[str, object] = {"visited_on": TODAY, "starts_on": TODAY, **changes}
    return Visit(**values)  # type: ignore[arg-type]


def problems(obj: Visit) -> list[Problem]:
    return RULES.prepare(obj, CONTEXT)[1]


def test_today_and_earlier_are_not_in_the_future() -> None:
    assert problems(visit()) == []
    assert problems(visit(visited_on=TODAY - timedelta(days=400))) == []


def test_a_day_after_today_is_refused_with_both_labels_and_days() -> None:
    (problem,) = problems(visit(visited_on=TODAY + timedelta(days=1)))
    assert (problem.path, problem.code, problem.value) == (
        "visited_on",
        "date.future",
        "2026-03-02",
    )
    assert problem.zh == "走访日期 2026-03-02 晚于今天 2026-03-01"
    assert problem.en == "visited on 2026-03-02 is after today (2026-03-01)"


def test_a_moment_counts_by_its_day_in_china_time() -> None:
    # 23:30 UTC on the last day of February is already 1 March in Beijing: today, fine.
    late = datetime(2026, 2, 28, 23, 30, tzinfo=UTC)
    assert problems(visit(noted_at=late)) == []
    # 16:30 UTC on 1 March is 00:30 on 2 March in Beijing: tomorrow.
    tomorrow = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    (problem,) = problems(visit(noted_at=tomorrow))
    assert (problem.path, problem.code) == ("noted_at", "date.future")
    naive = datetime(2026, 3, 1, 23, 59)
    assert problems(visit(noted_at=naive)) == []


def test_each_field_in_the_future_is_its_own_problem() -> None:
    ahead = TODAY + timedelta(days=3)
    found = problems(
        visit(visited_on=ahead, noted_at=datetime(2026, 3, 4, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
    )
    assert [(p.path, p.code) for p in found] == [
        ("visited_on", "date.future"),
        ("noted_at", "date.future"),
    ]


def test_a_range_may_end_on_its_first_day_not_before() -> None:
    assert problems(visit(ends_on=TODAY)) == []
    assert problems(visit(ends_on=None)) == [], "an open range has no end to check"
    (problem,) = problems(visit(starts_on=date(2026, 2, 10), ends_on=date(2026, 2, 9)))
    assert (problem.path, problem.code, problem.value) == ("ends_on", "date.order", "2026-02-09")
    assert problem.zh == "结束日期(2026-02-09)应不早于开始日期(2026-02-10)"
    assert problem.en == "last day (2026-02-09) must be on or after first day (2026-02-10)"


def test_a_strict_range_must_end_after_it_starts() -> None:
    rules = RuleSet([date_range(Visit, "starts_on", "ends_on", strict=True, code="x.order")])
    same = visit(ends_on=TODAY)
    (problem,) = rules.prepare(same, CONTEXT)[1]
    assert problem.code == "x.order"
    assert problem.en == "last day (2026-03-01) must be after first day (2026-03-01)"


def test_the_rules_run_on_input_too_every_problem_at_once() -> None:
    data = {"visited_on": "2030-01-01", "starts_on": "2026/2/10", "ends_on": "2026年2月9日"}
    with pytest.raises(ValidationError) as refused:
        CODEC.structure(data, Visit, context=CONTEXT)
    assert [(p.path, p.code) for p in refused.value.problems] == [
        ("visited_on", "date.future"),
        ("ends_on", "date.order"),
    ]


def test_a_rule_naming_a_field_the_model_lacks_fails_at_once() -> None:
    with pytest.raises(TypeError, match="Visit has no field visit_day"):
        not_in_future(Visit, "visit_day")
    with pytest.raises(TypeError, match="Visit has no field"):
        not_in_future(Visit)
    with pytest.raises(TypeError, match="no field finish"):
        date_range(Visit, "starts_on", "finish")


def test_the_rules_declare_their_codes() -> None:
    assert not_in_future(Visit, "visited_on").codes == ("date.future",)
    assert date_range(Visit, "starts_on", "ends_on", code="visit.order").codes == ("visit.order",)


CORE = RuleSet(core_rules())


def person(**changes: object) -> Resident:
    values: dict[str, object] = {
        "community_id": uuid4(),
        "name": "张三",
        "gender": "male",
        "birth_date": date(1990, 1, 1),
        **changes,
    }
    return Resident(**values)  # type: ignore[arg-type]


def test_the_cores_rules_use_them_and_keep_their_codes() -> None:
    (born,) = CORE.prepare(person(birth_date=TODAY + timedelta(days=1)), CONTEXT)[1]
    assert (born.path, born.code) == ("birth_date", "birth_date.future")
    assert born.zh == "出生日期 2026-03-02 晚于今天 2026-03-01"
    (moved,) = CORE.prepare(person(moved_in_on=date(1989, 12, 31)), CONTEXT)[1]
    assert (moved.path, moved.code) == ("moved_in_on", "resident.moved_in_before_birth")
    assert moved.en == "moved in on (1989-12-31) must be on or after birth date (1990-01-01)"
    assert CORE.prepare(person(moved_in_on=date(1990, 1, 1)), CONTEXT)[1] == []
    seat = Seat(
        community_id=uuid4(),
        committee_id=uuid4(),
        holder_name="李明",
        role="主任",
        term_start=date(2024, 6, 1),
        term_end=date(2024, 5, 31),
    )
    (term,) = CORE.prepare(seat, CONTEXT)[1]
    assert (term.path, term.code) == ("term_end", "seat.term_order")
