"""``commons audit``: read and verify the audit trail."""

from __future__ import annotations

from datetime import datetime

import click
from rich.console import Console
from rich.table import Table

from commons_core.cli.context import echo_json, get_actor, get_commons


@click.group(invoke_without_command=True)
@click.option("--community", "community_ref", metavar="NAME_OR_ID", help="社区 / community.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="起始日期 / since this day.")
@click.option("--entity", help="实体 / entity name, e.g. resident.")
@click.option("--limit", type=int, default=None, help="最多条数 / at most this many entries.")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / print JSON.")
@click.pass_context
def audit(
    ctx: click.Context,
    community_ref: str | None,
    since: datetime | None,
    entity: str | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """查看审计记录 / show the audit trail (commons audit verify checks it)."""
    if ctx.invoked_subcommand is not None:
        return
    from commons_core.services.audit import read_entries

    if community_ref is None:
        raise click.UsageError("需要 --community / --community is required")
    commons = get_commons()
    with commons.unit_of_work(get_actor(), readonly=True) as uow:
        uow.require("audit:read", "audit trail")
        community = uow.find_community(community_ref)
        entries = list(
            read_entries(
                uow.connection,
                community_ids=[community.id],
                since=since.date() if since else None,
                entity=entity,
                limit=limit,
            )
        )
    if as_json:
        echo_json(
            [
                {
                    "seq": e.seq,
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "action": e.action,
                    "entity": e.entity,
                    "key": e.key,
                    "changes": e.changes,
                    "hash": e.hash,
                }
                for e in entries
            ]
        )
        return
    table = Table(
        "#",
        "时间 / at",
        "用户 / actor",
        "操作 / action",
        "实体 / entity",
        "编号 / key",
        "变更 / changes",
    )
    for e in entries:
        changes = ", ".join(sorted(e.changes))
        table.add_row(
            str(e.seq), f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.action, e.entity, e.key, changes
        )
    Console().print(table)


@audit.command()
def verify() -> None:
    """校验审计链 / verify every hash chain (exit 1 if any entry was altered or removed)."""
    from commons_core.services.audit import verify_trail

    commons = get_commons()
    with commons.unit_of_work(get_actor(), readonly=True) as uow:
        uow.require("audit:read", "audit trail")
        community_ids = None if uow.community_ids is None else sorted(uow.community_ids)
        checked, problems = verify_trail(uow.connection, community_ids)
    if problems:
        for problem in problems:
            click.echo(f"  {problem}", err=True)
        raise click.ClickException(
            f"审计链被篡改 / the audit trail was tampered with: {len(problems)} break(s)"
            f" in {checked} entries"
        )
    click.echo(f"审计链完好 / audit trail intact: {checked} entries verified")
