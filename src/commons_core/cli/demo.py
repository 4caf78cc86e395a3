"""``commons demo`` and ``commons communities``."""

from __future__ import annotations

import time

import click

from commons_core.cli.context import echo_json, get_actor, get_commons


@click.command()
@click.option("--seed", default=2026, show_default=True, help="随机种子 / random seed.")
def demo(seed: int) -> None:
    """载入示范社区数据 / load the demo communities (文化路社区, 天鹤社区, 慈溪社区)."""
    from commons_core.demo import DemoAlreadyLoaded, load_demo

    commons = get_commons()
    commons.upgrade()
    started = time.perf_counter()
    try:
        result = load_demo(commons, get_actor(), seed=seed)
    except DemoAlreadyLoaded:
        click.echo("示范数据已载入,未重复载入 / the demo is already loaded; nothing was added.")
        return
    elapsed = time.perf_counter() - started
    names = "、".join(c.name for c in result.communities)
    click.echo(f"已载入示范数据 / demo loaded: {names} ({elapsed:.1f} s)")
    from rich.console import Console
    from rich.table import Table

    table = Table("用户 / user", "密码 / password", title="示范用户(文化路社区)/ demo users")
    for username, password in result.passwords.items():
        table.add_row(username, password)
    Console().print(table)
    click.echo("请妥善保存以上密码 / keep these passwords: they are shown only once.")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / print JSON.")
def communities(as_json: bool) -> None:
    """列出社区 / list the communities you can see."""
    from commons_core.model import Community, StreetOffice
    from commons_core.storage.tables import community

    commons = get_commons()
    with commons.unit_of_work(get_actor(), readonly=True) as uow:
        found = uow.repo(Community).find(order_by=[community.c.name])
        offices = {o.id: o.name for o in uow.repo(StreetOffice).find()}
    if as_json:
        echo_json(
            [
                {
                    "id": str(c.id),
                    "name": c.name,
                    "street_office": offices.get(c.street_office_id)
                    if c.street_office_id
                    else None,
                    "area_km2": str(c.area_km2) if c.area_km2 is not None else None,
                }
                for c in found
            ]
        )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("编号 / id", "名称 / name", "街道 / street office")
    for c in found:
        office = offices.get(c.street_office_id, "") if c.street_office_id else ""
        table.add_row(str(c.id), c.name, office)
    Console().print(table)
