"""Exporting records as CSV, XLSX or JSON, streamed, masked, audited.

Residents, households and partner units are exported in the layout of their
import sheet (bilingual headers, Chinese labels for choices), so an export
imports again cleanly; any other entity, a plugin's included, is exported
with one column per model field. Rows are read in one streamed query over
the actor's scope and written as they come, so memory stays flat. On
PostgreSQL a CSV export whose every cell the server can make (labels, ISO
dates, masks: :mod:`commons_core.storage.masks`) is written by the server
(:func:`~commons_core.storage.streaming.stream_csv`), the same bytes as
Python would write, with reading, masking and quoting off this process. On
either path a CSV's text cells that a spreadsheet would run as formulas get
a leading ``'`` (:mod:`commons_core.io.formulas`), which the importer drops.

Sensitive fields are masked (ID ``11****************``, mobile
``138********``, anything else ``***``) unless the export is asked to
``reveal`` them, which needs the ``reveal:<kind>`` permissions. Exporting
needs ``<entity>:export``, and every export is recorded in the audit trail
(format, columns, fields revealed, rows) before the first row leaves.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import time
import typing
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import closing, nullcontext
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

import attrs
from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    Select,
    String,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from commons_core.access import text_masker
from commons_core.errors import ConfigurationError
from commons_core.io.collector import bulk_collection
from commons_core.io.formulas import may_hold_formulas, neutralised_rows, sql_neutralised
from commons_core.io.layout import KINDS, Column, Sheet
from commons_core.io.output import OutputError, replacing, worksheet_unsafe, xlsx_text
from commons_core.model import (
    Household,
    HouseholdStatus,
    LabeledEnum,
    Resident,
    ResidentsGroup,
    ResidentStatus,
    Sensitivity,
    field_info,
    sensitive_fields,
)
from commons_core.model.fields import optional_of
from commons_core.storage.internal import INTERNAL, internal
from commons_core.storage.masks import sql_masker
from commons_core.storage.row_security import without_nested_loops
from commons_core.storage.streaming import csv_on_server, stream_csv, stream_rows

if TYPE_CHECKING:
    from commons_core.access import Actor
    from commons_core.services import Commons, UnitOfWork
    from commons_core.storage import Entity

__all__ = ["ExportSummary", "export_table"]

Format = Literal["csv", "xlsx", "json"]
ProgressFn = Callable[[int, float | None], None]

_ENTITY_OF_KIND = {
    "residents": "resident",
    "households": "household",
    "partner-units": "partner_unit",
}
_KIND_OF_ENTITY = {entity: kind for kind, entity in _ENTITY_OF_KIND.items()}
"""An entity with a sheet, named by its entity name, is exported in its sheet's layout."""
_NUMBERS = (int, float, Decimal, bool)
"""The fields whose cells are numbers, not text (a CSV never neutralises them)."""


@attrs.frozen
class ExportSummary:
    """What an export wrote."""

    kind: str
    community: str
    rows: int
    columns: tuple[str, ...]
    revealed: tuple[str, ...]
    seconds: float

    def as_json(self) -> dict[str, Any]:
        """The summary as JSON."""
        return {
            "kind": self.kind,
            "community": self.community,
            "rows": self.rows,
            "columns": list(self.columns),
            "revealed": list(self.revealed),
            "seconds": round(self.seconds, 3),
        }


Chunks = Generator[tuple[int, Iterator[tuple[Any, ...]]], None, None]
"""Chunks of rows made into cells, each with its number of rows."""
Pieces = Generator[tuple[int, str], None, None]
"""Chunks of rows made into the output's text, each with its number of rows."""

CellFormat = Callable[[Any], Any] | Mapping[Any, Any] | None
"""How a column's stored values become cells: ``None`` as they are, a mapping of codes to
labels (a code it lacks kept as it is), or a function of each value that is not None."""


@attrs.frozen
class _Column:
    key: str
    header: str
    expr: Any
    sensitivity: Sensitivity | None
    display: CellFormat
    data: CellFormat
    server_value: Any = None
    """The stored value as text in SQL (what a mask reads), if the server can make the cell."""
    server_cell: Any = None
    """The cell as ``display`` makes it, in SQL (with ``server_value``)."""
    text: bool = False
    """Whether its cells are text, which a CSV neutralises (:mod:`commons_core.io.formulas`);
    numbers are not."""


@attrs.frozen
class _Plan:
    entity: str
    columns: tuple[_Column, ...]
    source: FromClause
    where: ColumnElement[bool]
    order_by: tuple[Any, ...]
    base: FromClause
    """The table whose rows are exported: ``source`` adds at most one row of others to each
    (outer joins on their keys), so counting its rows matching ``where`` counts the rows."""


def export_table(
    commons: Commons,
    actor: Actor,
    kind: str,
    community_ref: str,
    *,
    output: Path | None = None,
    fmt: Format = "csv",
    columns: Sequence[str] = (),
    reveal: bool = False,
    progress: ProgressFn | None = None,
    stream: IO[str] | None = None,
) -> ExportSummary:
    """Export ``kind`` (``residents``, ``households``, ``partner-units`` or an entity name).

    Writes to ``output``, or to ``stream`` (standard output by default) for
    CSV and JSON. ``columns`` chooses and orders columns by key.
    """
    if fmt == "xlsx" and output is None:
        raise ConfigurationError("XLSX 导出需要 --output", "an XLSX export needs --output")
    started = time.perf_counter()
    kind = _KIND_OF_ENTITY.get(kind, kind)
    with commons.unit_of_work(actor, readonly=True) as uow:
        community = uow.find_community(community_ref)
        # The permission to export first: planning reads other entities' scopes, whose
        # refusal would name a permission the user was not asking to use.
        entity = uow.commons.entity(_ENTITY_OF_KIND.get(kind, kind)).name
        uow.require(f"{entity}:export", entity)
        plan = _plan(uow, kind, community.id, columns)
        revealed = sorted({c.key for c in plan.columns if c.sensitivity}) if reveal else []
        total = int(
            uow.connection.execute(
                select(func.count()).select_from(plan.base).where(plan.where)
            ).scalar_one()
        )
        # Row security leaves PostgreSQL expecting a handful of rows, and it planned the
        # residents' join with households as 10^6 index lookups: 8.2 s of the server's time
        # against 3.8 s as merge joins. The rows' stream is closed before the unit of work
        # ends, however the writing ends: a COPY left open would hold the connection.
        ticks = _Progress(total, progress)
        with (
            replacing(output) if output is not None else nullcontext() as target,
            bulk_collection(),
            without_nested_loops(uow.connection),
        ):
            # Recorded once the output can be written, before any row leaves.
            _record(commons, actor, plan, community.id, fmt, revealed, total)
            if fmt == "xlsx":
                assert target is not None
                with closing(_cells(uow, plan, set(revealed), fmt)) as chunks:
                    _write_xlsx(chunks, plan, target, ticks)
            else:
                pieces = (
                    _csv_text(uow, plan, set(revealed))
                    if fmt == "csv"
                    else _json_text(_cells(uow, plan, set(revealed), fmt), plan)
                )
                with closing(pieces):
                    _write_text(pieces, fmt, plan, target, stream, ticks)
            ticks.done()
    return ExportSummary(
        kind=kind,
        community=community.name,
        rows=ticks.count,
        columns=tuple(c.key for c in plan.columns),
        revealed=tuple(revealed),
        seconds=time.perf_counter() - started,
    )


def _record(
    commons: Commons,
    actor: Actor,
    plan: _Plan,
    community_id: Any,
    fmt: str,
    revealed: list[str],
    total: int,
) -> None:
    """Check the export may happen and put it in the audit trail, before any row leaves."""
    with commons.unit_of_work(actor) as uow:
        uow.require(f"{plan.entity}:export", plan.entity)
        for column in plan.columns:
            if column.key in revealed and column.sensitivity is not None:
                uow.require(column.sensitivity.permission, f"{plan.entity}.{column.key}")
        uow.audit.record(
            community_id,
            "export",
            plan.entity,
            community_id,
            {
                "format": fmt,
                "columns": [c.key for c in plan.columns],
                "revealed": revealed,
                "rows": total,
            },
        )


def _plan(uow: UnitOfWork, kind: str, community_id: Any, keys: Sequence[str]) -> _Plan:
    if kind == "residents":
        plan = _residents(uow, community_id)
    elif kind == "households":
        plan = _households(uow, community_id)
    else:
        plan = _entity(uow, uow.commons.entity(_ENTITY_OF_KIND.get(kind, kind)), community_id)
    if not keys:
        return plan
    by_key = {c.key: c for c in plan.columns}
    unknown = [k for k in keys if k not in by_key]
    if unknown:
        raise ConfigurationError(
            f"没有这些列:{', '.join(unknown)}(可选:{', '.join(by_key)})",
            f"no such columns: {', '.join(unknown)} (choose from {', '.join(by_key)})",
        )
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        # A JSON object holds a key once: the file would not say what was asked.
        raise ConfigurationError(
            f"列重复:{', '.join(twice)}", f"columns given twice: {', '.join(twice)}"
        )
    return attrs.evolve(plan, columns=tuple(by_key[k] for k in keys))


def _choice(enum: type[LabeledEnum], label: bool) -> CellFormat:
    return {m.value: (m.zh if label else m.value) for m in enum}


def _choices(enum: type[LabeledEnum], label: bool) -> CellFormat:
    names = {m.value: (m.zh if label else m.value) for m in enum}

    def format_set(value: str) -> Any:
        items = [names.get(v, v) for v in value.split(",") if v]
        return "、".join(items) if label else items

    return format_set


def _sheet_columns(
    uow: UnitOfWork, layout: Sheet, sources: dict[str, Any], models: Sequence[type]
) -> tuple[_Column, ...]:
    """The sheet's columns, read from ``sources`` (key → SQL expression)."""
    iso_date = _iso_date(uow.connection)
    sensitive: dict[str, Sensitivity] = {}
    for model in models:
        sensitive.update(sensitive_fields(model))
    columns = []
    for column in layout.columns:
        # Read what is stored (codes, ISO dates) and format it here: no per-value type hooks.
        # A sheet's cells are text, whole numbers or dates: SQLite keeps dates as ISO text,
        # and PostgreSQL's server writes them so faster than Python formats the date
        # objects psycopg would make.
        source = sources[column.key]
        if iso_date is not None and column.choices is None and source.type.python_type is date:
            source = iso_date(source)
        expr = type_coerce(source, String)
        display: CellFormat = None
        data: CellFormat = None
        if column.key == "statuses":
            display, data = _choices(HouseholdStatus, True), _choices(HouseholdStatus, False)
        elif column.choices is not None:
            display, data = _choice(column.choices, True), _choice(column.choices, False)
        server_value, server_cell = _server_cells(source, column)
        columns.append(
            _Column(
                column.key,
                column.header,
                expr.label(column.key),
                sensitive.get(column.key),
                display,
                data,
                server_value,
                server_cell,
                text=_text_column(source, column),
            )
        )
    return tuple(columns)


def _text_column(source: Any, column: Column) -> bool:
    """Whether a sheet's column holds text (codes and labels included), not whole numbers."""
    return column.key == "statuses" or column.choices is not None or source.type.python_type is str


def _iso_date(connection: Connection) -> Callable[[Any], Any] | None:
    """How PostgreSQL writes a date as ``YYYY-MM-DD`` (``None``: dates are already so)."""
    if connection.dialect.name != "postgresql":
        return None
    # A date's text is ISO under an ISO DateStyle, the default, and costs a third of to_char.
    style = connection.exec_driver_sql("SHOW DateStyle", execution_options={INTERNAL: True})
    if str(style.scalar_one()).startswith("ISO"):
        return lambda value: cast(value, String)
    return lambda value: func.to_char(value, "YYYY-MM-DD", type_=String)


def _server_cells(source: Any, column: Column) -> tuple[Any, Any]:
    """The stored value as text, and the cell as the sheet shows it, in SQL (PostgreSQL's);
    ``(None, None)`` for a column whose cells only Python makes."""
    if _text_column(source, column):
        value: Any = type_coerce(source, Text)
    elif source.type.python_type is int:
        value = cast(source, Text)
    else:
        return None, None
    if column.key == "statuses":
        return value, _labelled_set(value, HouseholdStatus)
    if column.choices is None:
        return value, value
    return value, _labelled(value, column.choices)


def _labelled(value: Any, enum: type[LabeledEnum]) -> Any:
    """A code's label, as :func:`_choice` gives it (a code it lacks kept as it is)."""
    return case({m.value: m.zh for m in enum}, value=value, else_=value)


def _labelled_set(value: Any, enum: type[LabeledEnum]) -> Any:
    """A set's labels joined by 、, as :func:`_choices` gives them: each comma-separated
    code in its place, empty ones left out (none at all: an empty cell)."""
    items = (
        func.unnest(func.string_to_array(value, ","))
        .table_valued("item", with_ordinality="n")
        .render_derived()
    )
    joined = func.string_agg(
        _labelled(items.c.item, enum), aggregate_order_by(literal("、", Text), items.c.n)
    )
    return select(joined).select_from(items).where(items.c.item != "").scalar_subquery()


def _residents(uow: UnitOfWork, community_id: Any) -> _Plan:
    r = uow.scoped(Resident)
    h = uow.scoped(Household)
    g = uow.scoped(ResidentsGroup)
    source = r.outerjoin(
        h, and_(h.c.community_id == r.c.community_id, h.c.id == r.c.household_id)
    ).outerjoin(g, and_(g.c.community_id == h.c.community_id, g.c.id == h.c.residents_group_id))
    sources = {c.name: c for c in r.c}
    sources |= {
        "household_no": h.c.household_no,
        "address": h.c.address,
        "household_type": h.c.household_type,
        "residents_group": g.c.number,
    }
    return _Plan(
        entity="resident",
        columns=_sheet_columns(uow, KINDS["residents"], sources, (Resident, Household)),
        source=source,
        where=and_(r.c.community_id == community_id, r.c.status == ResidentStatus.ACTIVE),
        # Members of a household together (the index's order), each household's in the
        # order they were recorded (time-ordered ids): two exports of the same data agree.
        order_by=(r.c.household_id, r.c.id),
        base=r,
    )


def _households(uow: UnitOfWork, community_id: Any) -> _Plan:
    h = uow.scoped(Household)
    g = uow.scoped(ResidentsGroup)
    source = h.outerjoin(
        g, and_(g.c.community_id == h.c.community_id, g.c.id == h.c.residents_group_id)
    )
    sources = {c.name: c for c in h.c} | {"residents_group": g.c.number}
    return _Plan(
        entity="household",
        columns=_sheet_columns(uow, KINDS["households"], sources, (Household,)),
        source=source,
        where=h.c.community_id == community_id,
        order_by=(h.c.household_no,),
        base=h,
    )


def _entity(uow: UnitOfWork, entity: Entity, community_id: Any) -> _Plan:
    if entity.scope != "community":
        raise ConfigurationError(
            f"{entity.name} 不按社区存放,不能按社区导出",
            f"{entity.name} is not kept per community and cannot be exported by community",
        )
    table = uow.scoped(entity.model)
    layout = next((s for k, s in KINDS.items() if _ENTITY_OF_KIND[k] == entity.name), None)
    if layout is not None:
        sources = {c.name: c for c in table.c}
        columns = _sheet_columns(uow, layout, sources, (entity.model,))
    else:
        columns = _model_columns(uow, entity, table)
    return _Plan(
        entity=entity.name,
        columns=columns,
        source=table,
        where=table.c.community_id == community_id,
        order_by=tuple(table.c[c.name] for c in entity.table.primary_key.columns),
        base=table,
    )


def _model_columns(uow: UnitOfWork, entity: Entity, table: FromClause) -> tuple[_Column, ...]:
    """One column per model field (but the community and version), values as JSON gives them."""
    unstructure = uow.commons.codec.unstructure
    sensitive = sensitive_fields(entity.model)
    hints = typing.get_type_hints(entity.model)

    def display_value(value: Any) -> Any:
        plain = unstructure(value)
        if isinstance(plain, list) and all(_plain_item(v) for v in plain):
            return ",".join(str(v) for v in plain)
        if isinstance(plain, list | dict):
            # Records, or items holding the separator: JSON keeps them apart.
            return json.dumps(plain, ensure_ascii=False)
        return plain

    data, display = unstructure, display_value

    columns = []
    for field in attrs.fields(entity.model):
        if field.name in ("community_id", "version"):
            continue
        header = f"{field_info(field).label.zh} / {field.name}"
        kind = optional_of(hints[field.name]) or hints[field.name]
        columns.append(
            _Column(
                field.name,
                header,
                table.c[field.name],
                sensitive.get(field.name),
                display,
                data,
                text=kind not in _NUMBERS,
            )
        )
    return tuple(columns)


def _plain_item(value: Any) -> bool:
    """Whether a list's item reads unambiguously in a comma-separated cell."""
    if isinstance(value, str):
        return "," not in value
    return isinstance(value, int | float)


def _cells(uow: UnitOfWork, plan: _Plan, revealed: set[str], fmt: str) -> Chunks:
    """Chunks of rows as cells (masked unless revealed, then formatted for the output), each
    with its number of rows: the cells of a row are made as the writer takes it, so each
    row's tuple is gone before the next is made (a few per cent faster than a list)."""
    with closing(_stored(uow, plan, revealed, fmt)) as chunks:
        for rows, make in chunks:
            yield len(rows), map(make, rows)


def _stored(
    uow: UnitOfWork, plan: _Plan, revealed: set[str], fmt: str
) -> Generator[tuple[Sequence[Any], Callable[[Sequence[Any]], tuple[Any, ...]]], None, None]:
    """Chunks of rows as stored, each with the function making a row's cells."""
    formats: list[CellFormat] = []
    for column in plan.columns:
        kind = None if column.key in revealed else column.sensitivity
        unmasked = column.data if fmt == "json" else column.display
        formats.append(text_masker(kind) if kind else unmasked)
    make = _row_formatter(formats)
    query = _query(plan, [c.expr for c in plan.columns])
    with closing(stream_rows(uow.connection, query)) as chunks:
        for rows in chunks:
            yield rows, make


def _query(plan: _Plan, cells: Sequence[Any]) -> Select[Any]:
    return select(*cells).select_from(plan.source).where(plan.where).order_by(*plan.order_by)


def _server_query(uow: UnitOfWork, plan: _Plan, revealed: set[str]) -> Select[Any] | None:
    """The query of the cells as the CSV shows them, masks included, if the server can make
    every one (and :func:`stream_csv` can read it)."""
    if not csv_on_server(uow.connection) or len(plan.columns) < 2:
        return None
    encoding = uow.connection.exec_driver_sql(
        "SHOW server_encoding", execution_options={INTERNAL: True}
    ).scalar_one()
    utf8 = str(encoding).upper() in ("UTF8", "UTF-8")
    cells = []
    for column in plan.columns:
        if column.server_value is None:
            return None
        if column.sensitivity is not None and column.key not in revealed:
            cell = sql_masker(column.sensitivity)(column.server_value)
        else:
            cell = column.server_cell
        cells.append(sql_neutralised(cell, utf8=utf8) if column.text else cell)
    # The masks compute from sensitive columns the actor may not reveal: the SDK's own use,
    # which the query guard lets pass (the plan holds no criteria of the caller's).
    return internal(_query(plan, cells))


def _row_formatter(formats: Sequence[CellFormat]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """One function making a row's cells, as attrs generates its methods.

    A million rows leave no time for a loop over each row's cells: the
    function reads every cell once, in one expression, and calls only the
    formats the columns need.
    """
    scope: dict[str, Any] = {}
    cells = []
    for index, form in enumerate(formats):
        cell = f"row[{index}]"
        if form is None:
            cells.append(cell)
        elif isinstance(form, Mapping):
            scope[f"f{index}"] = form.get
            cells.append(f"f{index}({cell}, {cell})")
        else:
            scope[f"f{index}"] = form
            cells.append(f"(None if {cell} is None else f{index}({cell}))")
    function: Callable[[Sequence[Any]], tuple[Any, ...]] = eval(
        f"lambda row: ({', '.join(cells)},)", scope
    )
    return function


class _Progress:
    """Rows written so far, told to the caller's progress function."""

    def __init__(self, total: int, progress: ProgressFn | None) -> None:
        self.total = total
        self.count = 0
        self.progress = progress

    def __call__(self, rows: int) -> None:
        self.count += rows
        if self.progress is not None:
            self.progress(self.count, self.count / self.total if self.total else None)

    def done(self) -> None:
        if self.progress is not None:
            self.progress(self.count, 1.0)


def _write_xlsx(
    chunks: Iterator[tuple[int, Iterator[tuple[Any, ...]]]],
    plan: _Plan,
    output: Path,
    tick: _Progress,
) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(plan.entity[:31])  # the longest name a workbook may give a sheet
    sheet.append([c.header for c in plan.columns])
    number = 1
    for size, chunk in chunks:
        for row in chunk:
            number += 1
            unsafe = any(map(worksheet_unsafe, row))
            sheet.append(_text_cells(sheet, row, number, plan) if unsafe else row)
        tick(size)
    book.save(output)


def _text_cells(sheet: Any, row: Sequence[Any], number: int, plan: _Plan) -> tuple[Any, ...]:
    """The row with its text kept as text (not formulas); a control character, which no
    worksheet can hold, is an error naming the row and column as the sheet would show them."""
    cells = []
    for value, column in zip(row, plan.columns, strict=True):
        if not worksheet_unsafe(value):
            cells.append(value)
            continue
        try:
            cells.append(xlsx_text(sheet, value))
        except ValueError:
            raise OutputError(
                f"第{number}行「{column.header}」含有控制字符,XLSX 无法保存;"
                "请改正该记录,或导出为 CSV",
                f"row {number}, {column.key}: holds a control character, which XLSX cannot"
                " keep; correct the record or export as CSV",
            ) from None
    return tuple(cells)


def _write_text(
    pieces: Iterator[tuple[int, str]],
    fmt: str,
    plan: _Plan,
    output: Path | None,
    stream: IO[str] | None,
    tick: _Progress,
) -> None:
    """Write the text of each chunk of rows in one call (a call a row cost a second per
    10^6 rows), between the format's opening (CSV's header) and closing."""
    if fmt == "csv":
        opening, closing_text = _csv_line([c.header for c in plan.columns]), ""
    else:
        opening, closing_text = "[", "\n]\n"
    handle: IO[str]
    if output is not None:
        handle = output.open("w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="")
    else:
        handle = stream or sys.stdout
    try:
        handle.write(opening)
        for size, text in pieces:
            handle.write(text)
            tick(size)
        handle.write(closing_text)
    finally:
        if output is not None:
            handle.close()


def _csv_line(cells: Sequence[Any]) -> str:
    text = io.StringIO()
    csv.writer(text).writerow(cells)
    return text.getvalue()


def _csv_text(uow: UnitOfWork, plan: _Plan, revealed: set[str]) -> Pieces:
    """Chunks of rows as CSV text: made by the server when it can make every cell, which
    takes reading, masking, labelling and quoting off this process (one core)."""
    query = _server_query(uow, plan, revealed)
    if query is not None:
        with closing(stream_csv(uow.connection, query)) as pieces:
            yield from pieces
        return
    text = io.StringIO()
    writer = csv.writer(text)
    marked = [i for i, column in enumerate(plan.columns) if column.text]
    with closing(_stored(uow, plan, revealed, "csv")) as chunks:
        for rows, make in chunks:
            writer.writerows(map(make, rows))
            # Formulas are rare: a chunk is written again, its text cells neutralised, only
            # where a cell may begin like one.
            if marked and may_hold_formulas(text.getvalue()):
                text.seek(0)
                text.truncate()
                writer.writerows(neutralised_rows(map(make, rows), marked))
            yield len(rows), text.getvalue()
            text.seek(0)
            text.truncate()


def _json_text(chunks: Chunks, plan: _Plan) -> Pieces:
    """Chunks of rows as the items of a JSON array, an object a row, a line each."""
    keys = [c.key for c in plan.columns]
    separator = "\n"
    with closing(chunks):
        for size, rows in chunks:
            parts = []
            for row in rows:
                parts.append(separator)
                parts.append(json.dumps(dict(zip(keys, row, strict=True)), ensure_ascii=False))
                separator = ",\n"
            yield size, "".join(parts)
