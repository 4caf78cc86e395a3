"""Commands derived from service methods (:mod:`commons_core.cli.kit`), run as users run them.

Each option comes from the method's signature: ``--community`` and records by
name or id (never a silent first match), a record argument as one option per
field, the converter's parsing, flags, repeatable options, defaults; the
result as a table or ``--json``; writes in a unit of work that rolls back on
refusal, reads in a read-only one. A command that would show an option without
bilingual help is refused when it is made.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

import attrs
import click
import pytest

from commons_core import (
    Actor,
    Community,
    ConfigurationError,
    Gender,
    Household,
    PartnerUnit,
    PartnerUnitKind,
    Resident,
    hookimpl,
    plugins,
)
from commons_core.cli import main
from commons_core.cli.kit import Ref, command, group
from commons_core.services import Commons, PluginService

if TYPE_CHECKING:
    from decimal import Decimal


class Units(PluginService):
    """What the test commands call: partner units and residents of one community."""

    def add_unit(self, unit: PartnerUnit) -> PartnerUnit:
        """Add a partner unit."""
        return self.repo(PartnerUnit).add(unit)

    def rename(self, partner_unit_id: UUID, name: str, *, loud: bool = True) -> PartnerUnit:
        """Rename a unit.

        :param partner_unit_id: 单位 / the unit.
        :param name: 新名称 / the new name.
        :param loud: 大写 / in capitals.
        """
        found = self.repo(PartnerUnit).get(partner_unit_id)
        return self.repo(PartnerUnit).update(
            attrs.evolve(found, name=name.upper() if loud else name)
        )

    def of_kinds(
        self, community_id: UUID, kinds: frozenset[PartnerUnitKind] = frozenset()
    ) -> list[PartnerUnit]:
        """The community's units of these kinds (all when none is given).

        :param kinds: 单位类别,可多次 / kinds, repeatable:
        """
        table = self.repo(PartnerUnit).table
        criteria = [table.c.community_id == community_id]
        if kinds:
            criteria.append(table.c.kind.in_([k.value for k in kinds]))
        return self.repo(PartnerUnit).find(*criteria, order_by=[table.c.name])

    def born(self, household_id: UUID, name: str, birth_date: date) -> Resident:
        """Register a resident born into a household.

        :param household_id: 户 / the household.
        :param name: 姓名 / name.
        :param birth_date: 出生日期 / born on.
        """
        home = self.uow.households.get(household_id)
        return self.uow.residents.add(
            Resident(
                community_id=home.community_id,
                household_id=home.id,
                name=name,
                gender=Gender.FEMALE,
                birth_date=birth_date,
                id_number="110101201801011200",
            )
        )


def units_list(uow: object, community_id: UUID) -> int:
    """A function of the unit of work: how many units the community has."""
    from commons_core.services import UnitOfWork

    assert isinstance(uow, UnitOfWork)
    return uow.repo(PartnerUnit).count(uow.repo(PartnerUnit).table.c.community_id == community_id)


UNIT = {"partner_unit_id": Ref(PartnerUnit, option="--unit")}
units_group = group(
    "units",
    "共建单位 / partner units.",
    command(Units.add_unit, "新增单位 / add a partner unit.", name="add", done="已新增 / added."),
    command(Units.rename, "改名 / rename a unit.", refs=UNIT),
    command(Units.of_kinds, "列出单位 / list units.", name="list", readonly=True),
    command(Units.rename, "改名(只读)/ rename, read-only.", name="rename-ro", refs=UNIT,
            readonly=True),
    command(
        Units.born,
        "登记出生 / register a birth.",
        refs={"household_id": Ref(Household, by="household_no")},
    ),
    command(units_list, "单位数 / count units.", name="count", readonly=True),
)  # fmt: skip


@pytest.fixture
def commons_plugins() -> dict[str, object]:
    module = types.ModuleType("units_test")
    module.commons_cli_commands = hookimpl(lambda: [units_group])  # type: ignore[attr-defined]
    return {"units_test": module}


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
    monkeypatch.setenv("COLUMNS", "200")
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


@pytest.fixture
def place(commons: Commons, admin: Actor) -> Community:
    with commons.unit_of_work(admin) as uow:
        found = uow.repo(Community).add(Community(name="文化路社区"))
        uow.repo(PartnerUnit).add_many(
            [
                PartnerUnit(community_id=found.id, name="第一小学", kind=PartnerUnitKind.SCHOOL),
                PartnerUnit(community_id=found.id, name="第一小学"),
                PartnerUnit(community_id=found.id, name="工商银行"),
            ]
        )
        uow.households.add(Household(community_id=found.id, household_no="WHL00012"))
    return found


def units(commons: Commons, admin: Actor) -> dict[str, list[PartnerUnit]]:
    with commons.unit_of_work(admin, readonly=True) as uow:
        found: dict[str, list[PartnerUnit]] = {}
        for unit in uow.repo(PartnerUnit).find():
            found.setdefault(unit.name, []).append(unit)
        return found


def test_a_record_argument_is_one_option_per_field(
    run: Run, place: Community, commons: Commons, admin: Actor
) -> None:
    code, out, err = run("units", "add", "--help")
    assert code == 0
    assert "--community NAME_OR_ID" in out and "单位名称 / name." in out
    assert "单位类别 / kind" in out and "学校" in out  # a choice lists its choices
    assert "--id" not in out and "--version" not in out
    code, out, err = run(
        "units", "add", "--community", "文化路社区", "--name", "惠民药店", "--kind", "企业",
        "--contact-phone", "13812345678", "--json",
    )  # fmt: skip
    assert code == 0, err
    added = json.loads(out)
    assert added["name"] == "惠民药店" and added["community_id"] == str(place.id)
    assert added["kind"] == PartnerUnitKind.parse("企业").value
    code, out, err = run("units", "add", "--community", "文化路社区", "--name", "便民店")
    assert code == 0 and "已新增 / added." in out and "便民店" in out
    assert len(units(commons, admin)["便民店"]) == 1


def test_a_bad_value_names_the_option_and_writes_nothing(
    run: Run, place: Community, commons: Commons, admin: Actor
) -> None:
    code, _, err = run("units", "add", "--community", "文化路社区", "--name", "店", "--kind", "x")
    assert code == 2 and "'--kind'" in err and "应为以下之一" in err and "Traceback" not in err
    code, _, err = run("units", "add", "--community", "无此社区", "--name", "店")
    assert code == 1 and "无此社区" in err and "Traceback" not in err
    assert "店" not in units(commons, admin)


def test_a_record_is_named_by_name_or_id_never_a_first_match(
    run: Run, place: Community, commons: Commons, admin: Actor
) -> None:
    code, out, err = run(
        "units", "rename", "--community", "文化路社区", "--unit", "第一小学", "--name", "x"
    )
    assert code == 1 and "第一小学" in err and "give the id instead" in err
    (bank,) = units(commons, admin)["工商银行"]
    code, out, err = run(
        "units", "rename", "--community", "文化路社区", "--unit", "工商银行", "--name", "icbc",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["name"] == "ICBC"  # --loud is on by default
    code, out, err = run(
        "units", "rename", "--community", "文化路社区", "--unit", str(bank.id), "--name", "Bank",
        "--no-loud",
    )  # fmt: skip
    assert code == 0, err
    assert [u.id for u in units(commons, admin)["Bank"]] == [bank.id]


def test_a_repeatable_choice_and_a_read_only_command(
    run: Run, place: Community, commons: Commons, admin: Actor
) -> None:
    code, out, err = run("units", "list", "--community", "文化路社区", "--kinds", "学校", "--json")
    assert code == 0, err
    assert [u["name"] for u in json.loads(out)] == ["第一小学"]
    code, out, err = run("units", "list", "--community", "文化路社区")
    assert code == 0 and "工商银行" in out and "共建单位 / partner unit" in out
    code, out, err = run("units", "count", "--community", "文化路社区", "--json")
    assert code == 0 and json.loads(out) == 3
    code, out, err = run(
        "units", "rename-ro", "--community", "文化路社区", "--unit", "工商银行", "--name", "x"
    )
    assert code != 0 and "Traceback" not in err
    assert "X" not in units(commons, admin)


def test_a_record_by_its_number_a_date_and_a_sensitive_value_kept_off_the_screen(
    run: Run, place: Community
) -> None:
    code, out, err = run(
        "units", "born", "--community", "文化路社区", "--household", "WHL00012",
        "--name", "李小花", "--birth-date", "2018年1月1日",
    )  # fmt: skip
    assert code == 0, err
    assert "李小花" in out and "2018-01-01" in out
    assert "110101201801011200" not in out and "***" in out
    code, out, err = run(
        "units", "born", "--community", "文化路社区", "--household", "WHL99999",
        "--name", "x", "--birth-date", "2018-01-01",
    )  # fmt: skip
    assert code == 1 and "WHL99999" in err and "Traceback" not in err


def test_an_option_without_bilingual_help_is_refused_when_the_command_is_made() -> None:
    def lonely(uow: object, count: int) -> int:
        """Undocumented."""
        return count

    with pytest.raises(ConfigurationError, match="count"):
        command(lonely, "计数 / count.")

    def english_only(uow: object, count: int) -> int:
        """Count.

        :param count: how many.
        """
        return count

    with pytest.raises(ConfigurationError, match="bilingual"):
        command(english_only, "计数 / count.")
    assert isinstance(
        command(english_only, "计数 / count.", options={"count": "数量 / how many."}), click.Command
    )


def test_an_annotation_only_for_type_checkers_is_a_clear_error() -> None:
    def priced(uow: object, price: Decimal) -> None:
        """Price.

        :param price: 价格 / price.
        """

    with pytest.raises(ConfigurationError, match="type checking"):
        command(priced, "定价 / price.")
