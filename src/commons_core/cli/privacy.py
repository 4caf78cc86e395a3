"""``commons subject`` and ``commons retention``: data-subject requests and retention."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

import click

from commons_core.cli.context import echo_json, get_actor, get_commons


@click.group()
def subject() -> None:
    """个人信息主体请求 / data-subject requests."""


@subject.command("export")
@click.argument("resident_id", type=click.UUID)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="输出文件 / file.")
def subject_export(resident_id: UUID, output: Path | None) -> None:
    """导出某居民的全部信息(JSON)/ export everything held about one resident as JSON."""
    from commons_core.services.subject import export_subject

    commons = get_commons()
    with commons.unit_of_work(get_actor()) as uow:
        data = export_subject(uow, resident_id)
    if output is None:
        echo_json(data)
    else:
        output.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        click.echo(f"已导出 / written: {output}")


@click.command()
@click.option(
    "--days",
    type=click.IntRange(min=0),
    envvar="COMMONS_RETENTION_DAYS",
    default=3 * 365,
    show_default=True,
    help="保留期(天)/ retention period in days (env COMMONS_RETENTION_DAYS).",
)
@click.option("--apply", is_flag=True, help="实际执行(默认只预览)/ do it (default: preview).")
def retention(days: int, apply: bool) -> None:
    """匿名化迁出超过保留期的居民 / anonymise residents who moved out longer ago than the period."""
    from commons_core.services.subject import anonymise_departed

    commons = get_commons()

    class Preview(Exception):
        pass

    ids: list[UUID] = []
    try:
        with commons.unit_of_work(get_actor()) as uow:
            ids = anonymise_departed(uow, retention_days=days)
            if not apply:
                raise Preview
    except Preview:
        click.echo(
            f"将匿名化 {len(ids)} 人(预览,加 --apply 执行)/ would anonymise {len(ids)}"
            " resident(s); run with --apply to do it"
        )
        return
    click.echo(f"已匿名化 {len(ids)} 人 / anonymised {len(ids)} resident(s)")
