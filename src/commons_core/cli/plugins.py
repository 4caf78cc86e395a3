"""``commons plugins``: what is installed and whether it loaded."""

from __future__ import annotations

import click

from commons_core.cli.context import echo_json, get_state


@click.command()
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / print JSON.")
def plugins(as_json: bool) -> None:
    """列出插件及其状态 / list plugins with their hooks and status."""
    infos = get_state().host.plugins
    if as_json:
        echo_json([info.as_json() for info in infos])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(
        "插件 / plugin", "包 / package", "版本 / version", "状态 / status", "钩子 / hooks"
    )
    for info in infos:
        status = info.status if info.reason is None else f"{info.status}: {info.reason}"
        table.add_row(
            info.name, info.package or "", info.version or "", status, ", ".join(info.hooks)
        )
    Console().print(table)
