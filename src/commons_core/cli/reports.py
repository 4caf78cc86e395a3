"""``commons report``: run a report of core or a plugin."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from commons_core.cli.context import echo_json, get_actor, get_commons, get_state


@click.command()
@click.argument("name", required=False)
@click.option("--list", "list_reports", is_flag=True, help="列出报表 / list the reports.")
@click.option("--community", "community_ref", metavar="NAME_OR_ID", help="社区 / community.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv", "xlsx"]),
    default="table",
    show_default=True,
    help="输出格式;xlsx 需要 --output / output format; xlsx needs --output.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="写入此文件(csv、xlsx) / write to this file (csv, xlsx).",
)
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="统计日期 / as of this day.")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="起 / period start.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="止 / period end.")
def report(
    name: str | None,
    list_reports: bool,
    community_ref: str | None,
    output_format: str,
    output: Path | None,
    as_of: object,
    start: object,
    end: object,
) -> None:
    """运行报表 / run a report: commons report NAME --community X."""
    from commons_core.reports import ReportParams

    if list_reports or name is None:
        reports = get_state().host.reports()
        from rich.console import Console
        from rich.table import Table

        table = Table("报表 / report", "名称 / title", "说明 / description")
        for report_name, item in sorted(reports.items()):
            table.add_row(report_name, str(item.title), str(item.description))
        Console().print(table)
        return
    commons = get_commons()
    found = commons.reports.get(name)
    if found is None:
        raise click.UsageError(
            f"没有报表 {name} / no report named {name}; see commons report --list"
        )
    if community_ref is None:
        raise click.UsageError("需要 --community / --community is required")
    if output_format == "xlsx" and output is None:
        raise click.UsageError(
            "--format xlsx 需要 --output 文件 / --format xlsx needs --output FILE"
        )
    params = ReportParams(as_of=_day(as_of) or date.today(), start=_day(start), end=_day(end))
    with commons.unit_of_work(get_actor(), readonly=True) as uow:
        community = uow.find_community(community_ref)
        result = found.run(uow, community, params)
    if output_format in ("csv", "xlsx"):
        from commons_core.reports.files import report_bytes, report_csv

        if output is None:
            click.echo(report_csv(result), nl=False)
            return
        from commons_core.io.output import replacing

        title = f"{found.title.zh} {community.name}"
        with replacing(output) as partial:
            partial.write_bytes(
                report_bytes(result, title, "xlsx" if output_format == "xlsx" else "csv")
            )
    elif output_format == "json":
        echo_json(result.data)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(
            *(str(c.label) for c in result.columns), title=f"{found.title} · {community.name}"
        )
        for row in result.rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        Console().print(table)


def _day(value: object) -> date | None:
    from datetime import datetime

    return value.date() if isinstance(value, datetime) else None
