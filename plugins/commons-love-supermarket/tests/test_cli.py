"""``commons supermarket …`` as a clerk and a cadre would use it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from commons_core import Scope
from commons_core.services import Commons
from commons_core.services.users import UserService
from commons_core.testing import CliRun

CommandLine = Callable[..., CliRun]


@pytest.fixture
def cli(
    commons: Commons, commons_main: Callable[..., CliRun], admin: Any, world: Any
) -> CommandLine:
    """Run ``commons --as USER supermarket …`` through main() on the test database."""
    with commons.unit_of_work(admin) as uow:
        users = UserService(uow)
        for role in ("clerk", "cadre"):
            users.create(
                f"{role}-1", roles=[role], scope=Scope.community(world.community_id), password="x"
            )

    def run(*args: str, user: str = "clerk-1") -> CliRun:
        return commons_main("--as", user, "supermarket", *args)

    return run


def _name(world: Any) -> str:
    return str(world.context.communities["small"].name)


def test_a_clerk_checks_and_sells_at_the_counter(cli: CommandLine, world: Any) -> None:
    number = world.household_nos["low_income"]
    checked = cli("check", "--community", _name(world), "--household", number)
    assert checked.code == 0, checked.err
    assert (
        checked.out.strip()
        == f"{number}: 该户可在爱心超市购物 / this household may buy at the love supermarket"
    )
    sold = cli(
        "sell", "--community", _name(world), "--household", number,
        "--line", "大米=2", "--line", "鸡蛋=1@20.00",
    )  # fmt: skip
    assert sold.code == 0, sold.err
    assert "合计 / total: 110.00 元 (3 件 / items)" in sold.out
    stock = cli("stock", "--community", _name(world), "--json")
    levels = {i["name"]: i["quantity"] for i in json.loads(stock.out)["items"]}
    assert levels == {"大米": 18, "食用油": 10, "鸡蛋": 9}


def test_the_clerk_cannot_ask_why(cli: CommandLine, world: Any) -> None:
    number = world.household_nos["ordinary"]
    asked = cli("check", "--community", _name(world), "--household", number, "--reveal")
    assert asked.code == 1 and asked.err.startswith("错误 / error: 用户 clerk-1 没有权限 ")
    assert "actor clerk-1 lacks permission" in asked.err and "Traceback" not in asked.err
    told = cli(
        "check", "--community", _name(world), "--household", number, "--reveal", user="cadre-1"
    )
    assert "理由 / reason: 该户既不是低保户也不是困难户" in told.out


def test_goods_and_money_received(cli: CommandLine, world: Any) -> None:
    community = _name(world)
    bought = cli(
        "receive", "--community", community, "--supplier", "粮油店", "--line", "大米=10@46"
    )
    assert bought.code == 0, bought.err
    assert "460.00 元" in bought.out
    assert "余额 / balance 795.00" in bought.out
    unit = world.context.data["small"].partner_units[0].name
    money = ["receive", "--community", community, "--donor-unit", unit, "--amount", "200"]
    refused = cli(*money)
    assert refused.code == 1 and "actor clerk-1 lacks permission" in refused.err
    given = cli(*money, user="cadre-1")
    assert given.code == 0, given.err
    assert f"200.00 元 from {unit}" in given.out
    goods = cli("receive", "--community", community, "--donor", "爱心人士", "--line", "食用油=2@60")
    assert "价值 / value 120.00 元" in goods.out
    ledger = json.loads(cli("ledger", "--community", community, "--json").out)
    assert ledger["balance"] == "995.00"
    assert [e["kind"] for e in ledger["entries"]] == [
        "donation",
        "purchase",
        "purchase",
        "donation",
    ]


WRONG = [
    (["sell", "--household", "LS001", "--line", "大米"], "ITEM=QTY[@PRICE]"),
    (["receive", "--supplier", "店", "--line", "大米=1"], "ITEM=QTY@COST"),
    (["receive", "--supplier", "店", "--line", "大米=1@4.5.0"], "ITEM=QTY@COST"),
    (["receive", "--line", "大米=1@2"], "give one source"),
    (["receive", "--donor", "某", "--line", "大米=1@2", "--amount", "3"], "either --line"),
    (["receive", "--donor", "某", "--amount", "三"], "not an amount"),
]


def test_wrong_options_are_explained(cli: CommandLine, world: Any) -> None:
    for args, message in WRONG:
        result = cli(*args[:1], "--community", _name(world), *args[1:])
        assert result.code == 2, args
        assert message in result.err


def test_setup_sets_and_clears_the_quota(cli: CommandLine, world: Any) -> None:
    community = _name(world)
    limited = cli(
        "setup", "--community", community, "--monthly-amount", "150", "--monthly-items", "10",
        user="cadre-1",
    )  # fmt: skip
    assert "monthly amount 150.00" in limited.out
    assert "items 10" in limited.out
    cleared = cli("setup", "--community", community, "--monthly-amount", "0", user="cadre-1")
    assert "不限 / none" in cleared.out
    assert "items 10" in cleared.out


def test_commons_plugins_lists_the_plugin_as_ok(commons_main: Callable[..., CliRun]) -> None:
    listed = commons_main("plugins", "--json")
    assert listed.code == 0, listed.err
    plugins = {p["name"]: p for p in json.loads(listed.out)}
    assert plugins["love_supermarket"]["status"] == "ok"
    assert plugins["love_supermarket"]["package"] == "commons-love-supermarket"
    assert "love_supermarket_eligibility" in plugins["love_supermarket"]["hooks"]
