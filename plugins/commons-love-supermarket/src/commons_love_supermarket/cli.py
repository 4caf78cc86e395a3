"""``commons supermarket …``: the love supermarket at the counter and in the office.

::

    commons --as clerk supermarket check --community 文化路社区 --household WHL00012
    commons --as clerk supermarket sell --community 文化路社区 --household WHL00012 \\
        --line 大米=1 --line 食用油=1
    commons --as clerk supermarket receive --community 文化路社区 --supplier 粮油店 \\
        --line 大米=20@45.00
    commons --as cadre supermarket receive --community 文化路社区 --donor-unit 某银行 --amount 1000
    commons supermarket stock --community 文化路社区 --below 5
    commons supermarket ledger --community 文化路社区 --from 2026-01-01
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

import click
from rich.console import Console
from rich.table import Table

from commons_core.cli import echo_json, get_actor, get_commons

if TYPE_CHECKING:
    from commons_core.services import UnitOfWork
    from commons_love_supermarket.model import Donor
    from commons_love_supermarket.services import SupermarketService

__all__ = ["supermarket"]

T = TypeVar("T")

_LINE = re.compile(
    r"^\s*(?P<item>[^=@]+?)\s*=\s*(?P<qty>\d+)\s*(?:@\s*(?P<price>\d+(?:\.\d+)?))?\s*$"
)


def _money(ctx: click.Context, param: click.Parameter, value: str | None) -> Decimal | None:
    """An amount of yuan, read exactly as written (``45.50``)."""
    if value is None:
        return None
    try:
        return Decimal(value.strip())
    except InvalidOperation:
        raise click.BadParameter(f"不是金额 / not an amount: {value}") from None


def _lines(values: Sequence[str], *, cost_needed: bool) -> list[tuple[str, int, Decimal | None]]:
    """Parse ``ITEM=QTY`` or ``ITEM=QTY@PRICE`` options."""
    parsed = []
    for value in values:
        match = _LINE.match(value)
        if match is None or (cost_needed and match["price"] is None):
            form = "ITEM=QTY@COST" if cost_needed else "ITEM=QTY[@PRICE]"
            raise click.BadParameter(
                f"应写作 {form},如 大米=2@45.00 / write {form}, e.g. 大米=2@45.00: {value}",
                param_hint="--line",
            )
        price = Decimal(match["price"]) if match["price"] else None
        parsed.append((match["item"], int(match["qty"]), price))
    return parsed


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _run(work: Callable[[UnitOfWork, SupermarketService, UUID], T], community: str) -> T:
    """Run ``work`` in a unit of work of the acting user, retrying lost races."""
    from commons_love_supermarket.services import SupermarketService

    def unit(uow: UnitOfWork) -> T:
        found = uow.find_community(community)
        return work(uow, SupermarketService(uow), found.id)

    return get_commons().transact(get_actor(), unit)


def _print(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(*headers, title=title)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    Console().print(table)


community_option = click.option(
    "--community", required=True, metavar="NAME_OR_ID", help="社区 / community."
)
json_option = click.option("--json", "as_json", is_flag=True, help="输出 JSON / print JSON.")
on_option = click.option(
    "--on", type=click.DateTime(["%Y-%m-%d"]), help="日期,默认今天 / date (default today)."
)
household_option = click.option(
    "--household", required=True, metavar="NUMBER_OR_ID", help="户号 / household number."
)


@click.group()
def supermarket() -> None:
    """爱心超市:销售、入库、捐赠与专户 / the love supermarket: sales, goods, donations, account."""


@supermarket.command()
@community_option
@click.option("--name", help="超市名称 / name.")
@click.option("--opened-on", type=click.DateTime(["%Y-%m-%d"]), help="设立日期 / opened on.")
@click.option(
    "--monthly-amount",
    callback=_money,
    help="每户每月限额(元),0 为不限 / monthly amount per household in yuan (0: no limit).",
)
@click.option(
    "--monthly-items",
    type=click.IntRange(min=0),
    help="每户每月限购件数,0 为不限 / monthly items per household (0: no limit).",
)
@click.option("--threshold", type=click.IntRange(min=0), help="库存预警线 / low-stock threshold.")
def setup(
    community: str,
    name: str | None,
    opened_on: datetime | None,
    monthly_amount: Decimal | None,
    monthly_items: int | None,
    threshold: int | None,
) -> None:
    """设立爱心超市或修改设置 / set up the love supermarket, or change its settings."""
    changes: dict[str, Any] = {"name": name, "opened_on": _day(opened_on)}
    changes["low_stock_threshold"] = threshold
    changes = {k: v for k, v in changes.items() if v is not None}
    if monthly_amount is not None:
        changes["monthly_amount_limit"] = monthly_amount or None
    if monthly_items is not None:
        changes["monthly_item_limit"] = monthly_items or None
    settings = _run(lambda uow, shop, cid: shop.configure(cid, **changes), community)
    amount = settings.monthly_amount_limit or "不限 / none"
    items = settings.monthly_item_limit or "不限 / none"
    click.echo(
        f"{settings.name}:每户每月限额 / monthly amount {amount},"
        f"限购 / items {items},预警线 / threshold {settings.low_stock_threshold}"
    )


@supermarket.command("add-item")
@community_option
@click.option("--name", required=True, help="品名 / item name.")
@click.option("--unit", required=True, help="单位,如 袋、桶 / unit, e.g. 袋 (bag).")
def add_item(community: str, name: str, unit: str) -> None:
    """新增商品 / add an item to the catalogue."""
    added = _run(lambda uow, shop, cid: shop.add_item(cid, name, unit), community)
    click.echo(f"已新增商品 / item added: {added.name} ({added.unit}) {added.id}")


@supermarket.command()
@community_option
@click.option("--below", type=click.IntRange(min=0), help="预警线 / low-stock threshold.")
@json_option
def stock(community: str, below: int | None, as_json: bool) -> None:
    """库存,低于预警线的在前 / stock on the shelf, low-stock items first."""
    from commons_love_supermarket.reports import stock_levels

    with get_commons().unit_of_work(get_actor(), readonly=True) as uow:
        data = stock_levels(uow, uow.find_community(community).id, below)
    if as_json:
        echo_json(data)
        return
    _print(
        f"库存 / stock (预警线 / threshold {data['threshold']})",
        ["品名 / item", "库存 / in stock", "成本单价 / unit cost", "低 / low"],
        [
            (i["name"], f"{i['quantity']} {i['unit']}", i["unit_cost"], "✓" if i["low"] else "")
            for i in data["items"]
        ],
    )


def _household(uow: UnitOfWork, community_id: UUID, ref: str) -> Any:
    from commons_core import Household
    from commons_love_supermarket.services import lookup

    return lookup(uow, Household, "household_no", community_id, ref)


@supermarket.command()
@community_option
@household_option
@click.option(
    "--reveal",
    is_flag=True,
    help="显示理由(需 reveal:assistance,记入审计)"
    " / show the reason (needs reveal:assistance; audited).",
)
@json_option
def check(community: str, household: str, reveal: bool, as_json: bool) -> None:
    """查询某户能否购买 / may this household buy?"""
    result = _run(
        lambda uow, shop, cid: shop.check_eligibility(
            _household(uow, cid, household).id, reveal=reveal
        ),
        community,
    )
    if as_json:
        echo_json(get_commons().unstructure(result))
        return
    click.echo(f"{result.household_no}: {result.message}")
    if result.reason is not None:
        click.echo(f"理由 / reason: {result.reason}({result.rule})")


@supermarket.command()
@community_option
@household_option
@click.option(
    "--line",
    "lines",
    multiple=True,
    required=True,
    metavar="ITEM=QTY[@PRICE]",
    help="商品=数量[@单价],可多次;单价默认为成本 / item=quantity[@price], repeatable.",
)
@on_option
@json_option
def sell(
    community: str, household: str, lines: tuple[str, ...], on: datetime | None, as_json: bool
) -> None:
    """向符合条件的户按成本价销售 / sell at cost to an eligible household."""
    from commons_love_supermarket.model import OrderLine

    wanted = _lines(lines, cost_needed=False)

    def work(uow: UnitOfWork, shop: SupermarketService, cid: UUID) -> Any:
        order = [
            OrderLine(item_id=shop.find_item(cid, name).id, quantity=qty, unit_price=price)
            for name, qty, price in wanted
        ]
        names = {i.id: (i.name, i.unit) for i in shop.items(cid)}
        record = shop.sell(_household(uow, cid, household).id, order, on=_day(on))
        return record, names

    record, names = _run(work, community)
    if as_json:
        echo_json(get_commons().unstructure(record))
        return
    _print(
        f"销售单 / sale {record.sale.sold_on} · 凭证 / voucher {record.entry.seq}",
        ["品名 / item", "数量 / quantity", "单价 / price", "金额 / amount"],
        [
            (
                names[line.item_id][0],
                f"{line.quantity} {names[line.item_id][1]}",
                line.unit_price,
                line.amount,
            )
            for line in record.lines
        ],
    )
    click.echo(f"合计 / total: {record.sale.amount} 元 ({record.sale.item_count} 件 / items)")


@supermarket.command()
@community_option
@click.option("--supplier", help="采购:供货方 / a purchase from this supplier.")
@click.option(
    "--donor-unit", metavar="NAME_OR_ID", help="捐赠:共建单位 / donated by a partner unit."
)
@click.option("--donor-resident", metavar="NAME_OR_ID", help="捐赠:居民 / donated by a resident.")
@click.option(
    "--donor", "donor_name", metavar="NAME", help="捐赠:其他捐赠方 / donated by anyone else."
)
@click.option(
    "--line",
    "lines",
    multiple=True,
    metavar="ITEM=QTY@COST",
    help="入库商品=数量@单位成本或价值,可多次 / goods: item=quantity@unit cost, repeatable.",
)
@click.option("--amount", callback=_money, help="捐款金额(元)/ money donated (yuan).")
@click.option("--anonymous", is_flag=True, help="公示时匿名 / anonymous in the disclosure.")
@click.option("--note", help="备注 / note.")
@on_option
def receive(
    community: str,
    supplier: str | None,
    donor_unit: str | None,
    donor_resident: str | None,
    donor_name: str | None,
    lines: tuple[str, ...],
    amount: Decimal | None,
    anonymous: bool,
    note: str | None,
    on: datetime | None,
) -> None:
    """入库(采购或捐物)或接收捐款 / receive goods (bought or donated) or money donated."""
    from commons_love_supermarket.model import DonorKind, LotLine

    sources = [s for s in (supplier, donor_unit, donor_resident, donor_name) if s is not None]
    if len(sources) != 1:
        raise click.UsageError(
            "请指定一个来源:--supplier、--donor-unit、--donor-resident 或 --donor"
            " / give one source: --supplier, --donor-unit, --donor-resident or --donor"
        )
    if bool(lines) == (amount is not None):
        raise click.UsageError(
            "请指定 --line(物品)或 --amount(捐款)之一"
            " / give either --line (goods) or --amount (money)"
        )
    if supplier is not None and amount is not None:
        raise click.UsageError("采购须列出物品 / a purchase lists the goods bought (--line)")
    goods = _lines(lines, cost_needed=True)

    def donor(uow: UnitOfWork, shop: SupermarketService, cid: UUID) -> Donor:
        from commons_core import PartnerUnit, Resident
        from commons_love_supermarket.model import Donor
        from commons_love_supermarket.services import lookup

        if donor_unit is not None:
            return shop.unit_donor(lookup(uow, PartnerUnit, "name", cid, donor_unit).id)
        if donor_resident is not None:
            return shop.resident_donor(lookup(uow, Resident, "name", cid, donor_resident).id)
        return Donor(kind=DonorKind.OTHER, name=donor_name or "")

    def work(uow: UnitOfWork, shop: SupermarketService, cid: UUID) -> str:
        received = [
            LotLine(
                item_id=shop.find_item(cid, name).id, quantity=qty, unit_cost=cost or Decimal(0)
            )
            for name, qty, cost in goods
        ]
        day = _day(on)
        if supplier is not None:
            bought = shop.record_purchase(cid, supplier=supplier, lines=received, on=day, note=note)
            return (
                f"已采购入库 / purchase received: {bought.purchase.amount} 元,"
                f"凭证 / voucher {bought.entry.seq},余额 / balance {bought.entry.balance_after}"
            )
        giver = donor(uow, shop, cid)
        if amount is not None:
            gift = shop.receive_money(cid, giver, amount, on=day, anonymous=anonymous, note=note)
            assert gift.entry is not None  # a money donation always has its entry
            return (
                f"已收捐款 / money received: {gift.donation.amount} 元 from {giver.name},"
                f"凭证 / voucher {gift.entry.seq},余额 / balance {gift.entry.balance_after}"
            )
        gift = shop.receive_goods(cid, giver, received, on=day, anonymous=anonymous, note=note)
        return (
            f"已收捐物 / goods received from {giver.name}: 价值 / value {gift.donation.amount} 元"
        )

    click.echo(_run(work, community))


@supermarket.command()
@community_option
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="起 / from.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="止 / to.")
@json_option
def ledger(community: str, start: datetime | None, end: datetime | None, as_json: bool) -> None:
    """专户账目 / the account's entries, with the running balance."""
    with get_commons().unit_of_work(get_actor(), readonly=True) as uow:
        from commons_love_supermarket.services import SupermarketService

        shop = SupermarketService(uow)
        cid = uow.find_community(community).id
        entries = shop.entries(cid, start=_day(start), end=_day(end))
        balance = shop.balance(cid)
    if as_json:
        echo_json(
            {"balance": str(balance), "entries": [get_commons().unstructure(e) for e in entries]}
        )
        return
    _print(
        "爱心超市专户 / love supermarket account",
        [
            "凭证 / voucher",
            "日期 / date",
            "科目 / kind",
            "收入 / in",
            "支出 / out",
            "余额 / balance",
        ],
        [
            (
                e.seq,
                e.entry_on,
                e.kind.zh,
                e.amount if e.kind.is_receipt else "",
                "" if e.kind.is_receipt else e.amount,
                e.balance_after,
            )
            for e in entries
        ],
    )
    click.echo(f"当前余额 / balance now: {balance} 元")
