"""``commons audit``: read and verify the audit trail."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import click

from commons_core.cli.context import echo_json, get_actor, get_commons
from commons_core.keys import default_key_path

if TYPE_CHECKING:
    from commons_core.services import Commons, UnitOfWork


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
    from rich.console import Console
    from rich.table import Table

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


CHECKPOINTS_ENV = "COMMONS_AUDIT_CHECKPOINTS"

_checkpoints_option = click.option(
    "--checkpoints",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=CHECKPOINTS_ENV,
    help="检查点目录 / folder of checkpoints, kept outside the database (env "
    f"{CHECKPOINTS_ENV}; default: beside the key file, one folder per database).",
)


def _folder(commons: Commons, folder: Path | None) -> Path:
    """The checkpoints of this database: ``folder``, else beside the key file."""
    if folder is not None:
        return folder
    keys = commons.keys.path or default_key_path()
    database = commons.engine.url.render_as_string(hide_password=True)
    slug = hashlib.sha256(database.encode()).hexdigest()[:12]
    return keys.parent / "checkpoints" / slug


def _database(commons: Commons) -> str:
    return commons.engine.url.render_as_string(hide_password=True)


@contextmanager
def _verifying(commons: Commons) -> Iterator[tuple[UnitOfWork, list[UUID] | None, int, list[Any]]]:
    """A read-only unit of work of the run's actor (who must read the trail), the
    communities of their scope (``None``: all), and the trail verified within it."""
    from commons_core.services.audit_check import verify_trail

    with commons.unit_of_work(get_actor(), readonly=True) as uow:
        uow.require("audit:read", "audit trail")
        community_ids = None if uow.community_ids is None else sorted(uow.community_ids)
        checked, problems = verify_trail(uow.connection, commons.keys, community_ids)
        yield uow, community_ids, checked, problems


def _show(problems: list[Any]) -> None:
    for problem in problems:
        click.echo(f"  {problem}", err=True)


@audit.command()
@_checkpoints_option
def verify(folder: Path | None) -> None:
    """校验审计链 / verify every chain with the key file and the latest checkpoint.

    Exit 1 if any entry was altered, removed or forged, if a chain no longer
    reaches the latest checkpoint, or if the checkpoint is not this deployment's.
    """
    from commons_core.services.audit_check import check_checkpoint, latest_checkpoint

    commons = get_commons()
    where = _folder(commons, folder)
    checkpoint = latest_checkpoint(where, commons.keys)
    with _verifying(commons) as (uow, community_ids, checked, problems):
        if checkpoint is not None:
            problems.extend(check_checkpoint(uow.connection, checkpoint, community_ids))
    if problems:
        _show(problems)
        raise click.ClickException(
            f"审计链被篡改 / the audit trail was tampered with: {len(problems)} break(s)"
            f" in {checked} entries"
        )
    if checkpoint is None:
        click.echo(
            f"警告:{where} 中没有检查点,无法发现删除最新条目并回退链头的篡改,请定期运行"
            " commons audit checkpoint / warning: no checkpoint in"
            f" {where}: deleting the newest entries together with the head cannot be"
            " detected without one; run `commons audit checkpoint` regularly",
            err=True,
        )
        against = ""
    else:
        against = f"; 与 {checkpoint.created_at:%Y-%m-%d %H:%M:%S} UTC 的检查点一致 / consistent"
        against += f" with the checkpoint of {checkpoint.created_at:%Y-%m-%d %H:%M:%S} UTC"
    click.echo(f"审计链完好 / audit trail intact: {checked} entries verified{against}")


@audit.command()
@_checkpoints_option
def checkpoint(folder: Path | None) -> None:
    """写检查点 / record every chain's last entry, signed, in a file outside the database.

    The trail is verified first: a chain that does not verify is left out of the
    checkpoint (and named; exit 1), the others are checkpointed all the same.
    Run it regularly (cron), and keep the folder where the database's writers
    cannot reach it (another host, write-once storage).
    """
    from commons_core.services.audit_check import make_checkpoint, write_checkpoint

    commons = get_commons()
    with _verifying(commons) as (uow, community_ids, checked, problems):
        broken = {problem.community_id for problem in problems}
        made = make_checkpoint(
            uow.connection, commons.keys, _database(commons), community_ids, leave_out=broken
        )
    path = write_checkpoint(made, _folder(commons, folder))
    click.echo(
        f"已写检查点 / checkpoint written: {path} ({len(made.heads)} chains, {checked} entries)"
    )
    if problems:
        _show(problems)
        raise click.ClickException(
            f"{len(broken)} 条审计链未通过校验,未写入检查点 / {len(broken)} chain(s) do not"
            f" verify ({len(problems)} break(s)) and were left out of the checkpoint"
        )
