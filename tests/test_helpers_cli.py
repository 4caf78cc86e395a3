"""A plugin's command line: options read by the converter, and errors as one line and an exit code.

Options made with :mod:`commons_core.cli.options` accept what the API accepts
(days in the forms people write, money with ¥ and thousands, choices by value
or Chinese label, UUIDs) and refuse with the rule's bilingual message, as a
usage error. ``commons`` prints each of the SDK's errors as one bilingual line
with its exit code: 1 not done, 2 wrong use, 3 refused, 4 internal.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import ClassVar
from uuid import UUID

import attrs
import click
import pytest

from commons_core import (
    Actor,
    Community,
    Gender,
    Label,
    Refused,
    Resident,
    UsageError,
    hookimpl,
    new_id,
    plugins,
)
from commons_core.cli import get_actor, get_commons, main
from commons_core.cli.options import ConverterType, converted, field_option
from commons_core.model import label
from commons_core.services import Commons
from commons_core.validation import money_field


@attrs.frozen(kw_only=True)
class Visit:
    """What the test command reads, one field of each kind."""

    LABEL: ClassVar[Label] = Label("走访", "visit")

    visited_on: date = attrs.field(metadata=label("走访日期", "visited on"))
    fee: Decimal = money_field("费用(元)", "fee (yuan)")
    gender: Gender = attrs.field(metadata=label("性别", "gender"))
    household_id: UUID = attrs.field(metadata=label("户", "household"))


@click.group("visit-log")
def group() -> None:
    """走访 / visits."""


@group.command("record")
@field_option(Visit, "visited_on", "--on", required=True)
@field_option(Visit, "fee", "--fee", default=None)
@click.option("--gender", type=converted(Visit, "gender"), default=None)
@click.option("--household", type=converted(Visit, "household_id"), default=None)
@click.option("--since", type=ConverterType(date), default=None)
@click.option("--born", type=converted(Resident, "birth_date"), default=None)
def record(
    on: date,
    fee: Decimal | None,
    gender: Gender | None,
    household: UUID | None,
    since: date | None,
    born: date | None,
) -> None:
    click.echo(
        json.dumps(
            {
                "on": on.isoformat(),
                "fee": None if fee is None else str(fee),
                "gender": None if gender is None else gender.value,
                "household": None if household is None else str(household),
                "since": None if since is None else since.isoformat(),
                "born": None if born is None else born.isoformat(),
            }
        )
    )


@group.command("fail")
@click.argument("how")
def fail(how: str) -> None:
    if how == "refused":
        raise Refused("visit_log.closed", "本月走访已结束", "this month's visits are closed")
    if how == "usage":
        raise UsageError("--on 与 --month 只能选一个", "give --on or --month, not both")
    if how == "ambiguous":
        with get_commons().unit_of_work(get_actor(), readonly=True) as uow:
            uow.find_community("新村社区")
    raise RuntimeError("a bug")


@pytest.fixture
def commons_plugins() -> dict[str, object]:
    module = types.ModuleType("visit_log")
    module.commons_cli_commands = hookimpl(lambda: [group])  # type: ignore[attr-defined]
    return {"visit_log": module}


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(
    commons: Commons,
    commons_db_url: str,
    commons_plugins: dict[str, object],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    """``commons`` as users run it (through ``main()``), with only the test's plugin."""
    original = plugins.make_plugin_host
    monkeypatch.setattr(
        plugins,
        "make_plugin_host",
        lambda: original(load_entry_points=False, plugins=commons_plugins),
    )

    def invoke(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            main(["--db", commons_db_url, *args])
            code = 0
        except SystemExit as stop:
            code = int(stop.code or 0)
        printed = capsys.readouterr()
        return code, printed.out, printed.err

    return invoke


def test_options_accept_what_the_api_accepts(run: Run) -> None:
    household = new_id()
    code, out, err = run(
        "visit-log", "record", "--on", "2026年3月1日", "--fee", "¥1,234.5",
        "--gender", "女", "--household", str(household).upper(), "--since", "2026/2/1",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out) == {
        "on": "2026-03-01",
        "fee": "1234.50",
        "gender": "female",
        "household": str(household),
        "since": "2026-02-01",
        "born": None,
    }
    code, out, err = run("visit-log", "record", "--on", "20260301", "--gender", "male")
    assert code == 0, err
    assert json.loads(out)["gender"] == "male"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--on", "2026-02-30", "不是有效日期 / not a real date"),
        # An entity's field: its column's limits are its rules too.
        ("--born", "1899-12-31", "out of range (from 1900-01-01 to 2100-12-31)"),
        ("--fee", "12.505", "金额最多保留两位小数(分),不会自动四舍五入"),
        ("--fee", "-3", "金额不能为负数 / an amount cannot be negative"),
        ("--gender", "未知", "应为以下之一:男/女 (male/female)"),
        ("--household", "WHL00012", "应为UUID编号 / must be a UUID"),
        ("--since", "yesterday", "应为日期 YYYY-MM-DD / must be a date YYYY-MM-DD"),
    ],
)
def test_bad_values_are_usage_errors_with_the_rules_message(
    run: Run, option: str, value: str, message: str
) -> None:
    args = ["visit-log", "record", "--on", "2026-03-01", option, value]
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert f"Invalid value for '{option}'" in err
    assert message in err


def test_an_option_of_a_field_says_its_label_in_help(run: Run) -> None:
    code, out, _err = run("visit-log", "record", "--help")
    assert code == 0
    assert "走访日期 / visited on." in out
    assert "费用(元) / fee (yuan)." in out


def test_an_option_for_a_field_the_model_lacks_fails_when_written() -> None:
    with pytest.raises(TypeError, match="Visit has no field 'visited'"):
        converted(Visit, "visited")


def test_each_error_is_one_bilingual_line_with_its_exit_code(
    run: Run, commons: Commons, admin: Actor
) -> None:
    with commons.unit_of_work(admin) as uow:
        twins = uow.repo(Community).add_many(
            [Community(name="新村社区"), Community(name="新村社区")]
        )
    expected: dict[str, tuple[int, list[str]]] = {
        "refused": (3, ["已拒绝 / refused: 本月走访已结束 / this month's visits are closed"]),
        "usage": (2, ["用法错误 / usage error: --on 与 --month 只能选一个 / give --on or --month"]),
        "ambiguous": (
            1,
            ["错误 / error: 名称为“新村社区”的社区有 2 条", *(str(c.id) for c in twins)],
        ),
        "crash": (4, ["内部错误 / internal error: RuntimeError: a bug"]),
    }
    for how, (exit_code, parts) in expected.items():
        code, out, err = run("visit-log", "fail", how)
        assert code == exit_code, (how, err)
        assert out == ""
        assert len(err.strip().splitlines()) == 1, (how, err)
        for part in parts:
            assert part in err, (how, err)
