"""``commons template``, ``commons import`` and ``commons export``: spreadsheets in and out."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from commons_core.cli.context import echo_json, get_actor, get_commons, get_state
from commons_core.io.limits import ImportLimits

SHEETS = ("residents", "households", "partner-units")
"""The core's own sheets; importable entities (:mod:`commons_core.io.derive`) add theirs."""
LIMITS = ImportLimits()
"""The import's default limits, shown by ``commons import --help``."""
_WHOLE = click.IntRange(min=1)
_LIMITS = (
    ("max_cell_chars", _WHOLE, "单元格最多字符数 / characters a cell may hold."),
    ("max_columns", _WHOLE, "每行最多列数 / columns a row may hold."),
    ("max_rows", _WHOLE, "最多数据行数 / data rows the file may hold."),
    ("max_xlsx_bytes", _WHOLE, "XLSX 解压后最多字节数 / bytes an XLSX file may unpack to."),
    (
        "max_xlsx_ratio",
        click.FloatRange(min=0, min_open=True),
        "XLSX 各部分最大压缩比 / how many times its packed size a part may unpack to.",
    ),
)
"""The options of ``commons import`` setting :class:`~commons_core.io.ImportLimits`."""


def limit_options(command: Any) -> Any:
    """``command`` with an option ``--max-…`` for each limit of an import, its default shown."""
    for name, kind, text in reversed(_LIMITS):
        flag = "--" + name.replace("_", "-")
        default = getattr(LIMITS, name)
        command = click.option(flag, type=kind, default=default, show_default=True, help=text)(
            command
        )
    return command


class SheetKind(click.ParamType):  # type: ignore[type-arg]
    """A sheet's name: a core sheet, or an importable entity (by name, or its table's name
    with ``-`` for ``_``); an unknown name is a usage error naming the choices."""

    name = "kind"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        """``residents|households|partner-units|ENTITY``."""
        return "|".join(SHEETS) + "|ENTITY"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        """The sheet's kind: the core sheet's name or the entity's name."""
        from commons_core.errors import UsageError
        from commons_core.io.derive import resolve_sheet

        if value in SHEETS:
            return str(value)
        try:
            return resolve_sheet(str(value), get_state(ctx).host.entities()).kind
        except UsageError as error:
            self.fail(str(error), param, ctx)


class SheetCommand(click.Command):
    """A command taking a sheet's name; its help lists the importable entities installed."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command's help, then the sheets it accepts."""
        from commons_core.io.derive import sheet_names

        super().format_help_text(ctx, formatter)
        with formatter.section("可用表格 / sheets"):
            formatter.write_text(", ".join(sheet_names(get_state(ctx).host.entities())))


def _sheet(kind: str) -> Any:
    """The sheet of ``kind`` (checked by :class:`SheetKind`)."""
    from commons_core.io.derive import resolve_sheet

    return resolve_sheet(kind, get_state().host.entities())


class Progress:
    """Rows, rows/s and time left: a rich bar on a terminal, else a line every few seconds."""

    def __init__(self, verb: str, *, enabled: bool = True) -> None:
        self.verb = verb
        self.enabled = enabled
        self.started = time.perf_counter()
        self._bar: Any = None
        self._task: Any = None
        self._last = self.started
        if enabled and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as Bar

            self._bar = Bar(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[rows]:,} 行 rows · {task.fields[rate]:,.0f} 行/秒 rows/s"),
                TimeElapsedColumn(),
                TextColumn("剩余 ETA"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(verb, total=1.0, rows=0, rate=0.0)

    def __call__(self, rows: int, fraction: float | None) -> None:
        """Report ``rows`` done, ``fraction`` of the whole (if known)."""
        if not self.enabled:
            return
        now = time.perf_counter()
        rate = rows / max(now - self.started, 1e-9)
        if self._bar is not None:
            self._bar.update(self._task, completed=fraction or 0.0, rows=rows, rate=rate)
            return
        if now - self._last < 5 and fraction != 1.0:
            return
        self._last = now
        line = f"{self.verb}: {rows:,} 行 rows, {rate:,.0f} 行/秒 rows/s"
        if fraction:
            left = (now - self.started) * (1 - fraction) / fraction
            line += f", {fraction:.0%}, 剩余 ETA {left:,.0f} s"
        click.echo(line, err=True)

    def close(self) -> None:
        """Stop the bar."""
        if self._bar is not None:
            self._bar.stop()


@click.command("template", cls=SheetCommand)
@click.argument("kind", type=SheetKind())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "csv"]),
    default="xlsx",
    show_default=True,
    help="格式 / format.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="文件 / file (default: KIND-template.FORMAT).",
)
def template(kind: str, fmt: str, output: Path | None) -> None:
    """生成导入模板 / write a blank import template with bilingual headers."""
    from commons_core.io import write_template

    path = output or Path(f"{kind}-template.{fmt}")
    write_template(_sheet(kind), path, "csv" if fmt == "csv" else "xlsx")
    click.echo(f"已生成模板 / template written: {path}")


@click.command("import", cls=SheetCommand)
@click.argument("kind", type=SheetKind())
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--community", "community_ref", required=True, metavar="NAME_OR_ID", help="社区 / community."
)
@click.option(
    "--on-error",
    type=click.Choice(["abort", "skip"]),
    default="abort",
    show_default=True,
    help=(
        "abort:有错则全不写入 / write nothing if a row is bad; skip:跳过错误行,"
        "户主问题仅提醒 / skip bad rows, warn about households' heads."
    ),
)
@click.option(
    "--errors-to",
    type=click.Path(dir_okay=False, path_type=Path),
    help="错误行写入此文件(.csv/.xlsx)/ write bad rows here (.csv/.xlsx) to fix and re-import.",
)
@click.option("--dry-run", is_flag=True, help="只检查,不写入 / check everything, write nothing.")
@click.option("--batch-size", default=1000, show_default=True, help="每批行数 / rows per batch.")
@limit_options
@click.option(
    "--json", "as_json", is_flag=True, help="以 JSON 输出摘要 / print the summary as JSON."
)
def import_(
    kind: str,
    path: Path,
    community_ref: str,
    on_error: str,
    errors_to: Path | None,
    dry_run: bool,
    batch_size: int,
    as_json: bool,
    **limits: Any,
) -> None:
    """导入 CSV 或 XLSX / import a CSV (UTF-8, UTF-8-BOM, GB18030) or XLSX file.

    A file beyond a limit (--max-…) is refused before any row is written.
    """
    from commons_core.io import ImportFailed, ImportOptions, import_table

    options = ImportOptions(
        on_error="skip" if on_error == "skip" else "abort",
        dry_run=dry_run,
        errors_to=errors_to,
        batch_size=max(batch_size, 1),
        limits=ImportLimits(**limits),
    )
    progress = Progress(f"导入 import {path.name}", enabled=not as_json)
    try:
        summary = import_table(
            get_commons(), get_actor(), kind, path, community_ref, options, progress
        )
    except ImportFailed as failed:
        progress.close()
        _print_summary(failed.summary, errors_to, as_json)
        raise click.ClickException(str(failed)) from None
    finally:
        progress.close()
    _print_summary(summary, errors_to, as_json)


def _print_summary(summary: Any, errors_to: Path | None, as_json: bool) -> None:
    if as_json:
        echo_json(summary.as_json())
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True)
    if summary.ignored_columns:
        names = ", ".join(summary.ignored_columns)
        console.print(f"[yellow]未识别的列已忽略 / columns not recognised, ignored: {names}")
    if summary.example_row_skipped:
        console.print(
            "[yellow]第2行是模板的示例行,未导入 / row 2 is the template's example row, not imported"
        )
    for problem in summary.first_problems:
        console.print(f"  {problem}", markup=False, highlight=False)
    if summary.problems > len(summary.first_problems):
        more = summary.problems - len(summary.first_problems)
        where = f" → {errors_to}" if errors_to else " (--errors-to FILE 可得全部 / for all of them)"
        console.print(f"  … 另有 {more} 处 / {more} more{where}", markup=False)
    elif summary.problems and errors_to:
        console.print(f"  错误行已写入 / bad rows written to {errors_to}", markup=False)
    table = Table(title=f"导入摘要 / import summary · {summary.community}")
    for header in (
        "读取 read",
        "新增 inserted",
        "更新 updated",
        "未变 unchanged",
        "拒绝 rejected",
        "用时 time",
    ):
        table.add_column(header, justify="right")
    table.add_row(
        f"{summary.read:,}",
        f"{summary.inserted:,}",
        f"{summary.updated:,}",
        f"{summary.unchanged:,}",
        f"{summary.rejected:,}",
        f"{summary.seconds:,.1f} s",
    )
    Console().print(table)
    if summary.dry_run:
        click.echo("试运行,未写入 / dry run: nothing was written")
    elif not summary.written:
        click.echo("未写入任何数据 / nothing was written")


@click.command("export")
@click.argument("kind", metavar="residents|households|partner-units|ENTITY")
@click.option(
    "--community", "community_ref", required=True, metavar="NAME_OR_ID", help="社区 / community."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "json"]),
    default="csv",
    show_default=True,
    help="格式 / format.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="文件(默认标准输出)/ file (default: standard output; XLSX needs a file).",
)
@click.option(
    "--columns",
    multiple=True,
    help="只导出这些列(逗号分隔)/ only these columns, by key, comma-separated.",
)
@click.option(
    "--reveal",
    is_flag=True,
    help="敏感字段原文(需权限,记入审计)/ sensitive fields in clear (needs permission; audited).",
)
def export(
    kind: str,
    community_ref: str,
    fmt: str,
    output: Path | None,
    columns: tuple[str, ...],
    reveal: bool,
) -> None:
    """导出为 CSV、XLSX 或 JSON / export records (masked unless --reveal)."""
    from commons_core.io import export_table

    keys = [k.strip() for group in columns for k in group.split(",") if k.strip()]
    progress = Progress(f"导出 export {kind}")
    try:
        summary = export_table(
            get_commons(),
            get_actor(),
            kind,
            community_ref,
            output=output,
            fmt="xlsx" if fmt == "xlsx" else "json" if fmt == "json" else "csv",
            columns=keys,
            reveal=reveal,
            progress=progress,
        )
    finally:
        progress.close()
    rate = summary.rows / max(summary.seconds, 1e-9)
    click.echo(
        f"已导出 / exported {summary.rows:,} 行 rows in {summary.seconds:,.1f} s"
        f" ({rate:,.0f} 行/秒 rows/s)" + (f" → {output}" if output else ""),
        err=True,
    )
