"""Importing spreadsheets: residents (one row per resident), households and partner units.

Every row is structured and checked by the SDK's codec (``commons.codec``:
the same converter and rules as the API), and written through the
repositories, so access rules, references, versions, the audit trail and
domain events apply exactly as for any other write. Rows are handled in
batches: one look-up of the records they match, one ``executemany`` (or
``COPY`` on PostgreSQL) per table, one audit flush and one
``commons_on_events`` call per batch.

``on_error="abort"`` (the default) runs everything in one transaction and
rolls it back when any row is bad: nothing is written. ``on_error="skip"``
commits each batch's good rows and reports the bad ones. Either way every
problem of every row is reported, and a re-run of the same file creates no
duplicates: rows match their record by ID number (residents), household
number (households) or credit code, else name (partner units), within the
community; a changed row updates it, an unchanged row is counted as such.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

import attrs
from sqlalchemy import case, func, select

from commons_core.errors import CommonsError, ConfigurationError, Problem, ValidationError
from commons_core.io.collector import bulk_collection
from commons_core.io.formulas import MARK, restore
from commons_core.io.layout import Column, Sheet, sheet
from commons_core.io.limits import ImportLimits
from commons_core.io.output import OutputError
from commons_core.io.problems import ErrorFile, RowProblem
from commons_core.io.readers import FileError, TableReader, open_table
from commons_core.io.seen import SeenKeys
from commons_core.model import (
    Community,
    Household,
    PartnerUnit,
    RelationToHead,
    Resident,
    ResidentsGroup,
    ResidentStatus,
    Sensitivity,
    sensitive_fields,
)
from commons_core.storage.bulk import BulkLoad, bulk_load
from commons_core.storage.tables import household, partner_unit, resident, residents_group
from commons_core.validation import RuleContext

if TYPE_CHECKING:
    from commons_core.access import Actor
    from commons_core.services import Commons, UnitOfWork

__all__ = ["ImportFailed", "ImportOptions", "ImportSummary", "import_table"]

OnError = Literal["abort", "skip"]
ProgressFn = Callable[[int, float | None], None]


class Masked(str):
    """A cell holding a masked value (``138********``) from a masked export."""


_EXACT_FLOAT = 2**53


@attrs.frozen
class ImportOptions:
    """How to import: what to do with bad rows, where to write them, whether to write at all,
    and how much the file may hold (:class:`~commons_core.io.limits.ImportLimits`)."""

    on_error: OnError = "abort"
    dry_run: bool = False
    errors_to: Path | None = None
    batch_size: int = 1000
    limits: ImportLimits = attrs.field(factory=ImportLimits)


@attrs.define
class ImportSummary:
    """What an import did; ``as_json()`` keys are a contract for scripts."""

    kind: str
    community: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    seconds: float = 0.0
    households_created: int = 0
    households_updated: int = 0
    groups_created: int = 0
    problems: int = 0
    written: bool = False
    dry_run: bool = False
    encoding: str | None = None
    ignored_columns: list[str] = attrs.field(factory=list)
    example_row_skipped: bool = False
    """Row 2 was the template's example, exactly, and was not imported."""
    first_problems: list[RowProblem] = attrs.field(factory=list)

    def as_json(self) -> dict[str, Any]:
        """The summary as JSON (``commons import --json``)."""
        return {
            "kind": self.kind,
            "community": self.community,
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "problems": self.problems,
            "households_created": self.households_created,
            "households_updated": self.households_updated,
            "groups_created": self.groups_created,
            "written": self.written,
            "dry_run": self.dry_run,
            "encoding": self.encoding,
            "ignored_columns": self.ignored_columns,
            "example_row_skipped": self.example_row_skipped,
            "seconds": round(self.seconds, 3),
        }


class ImportFailed(CommonsError):
    """Rows were bad in ``abort`` mode: nothing was written. ``summary`` says what was found."""

    def __init__(self, summary: ImportSummary) -> None:
        self.summary = summary
        super().__init__(
            f"{summary.rejected} 行有错误({summary.problems} 处),未写入任何数据",
            f"{summary.rejected} row(s) have {summary.problems} problem(s); nothing was written",
        )


@attrs.define
class SourceRow:
    """A data row: its number, its cells as read, and the values of the recognised columns."""

    number: int
    cells: list[Any]
    values: dict[str, Any]
    problems: list[RowProblem]


class _Rollback(Exception):
    """Leave the abort-mode unit of work without committing."""


def import_table(
    commons: Commons,
    actor: Actor,
    kind: str,
    path: Path,
    community_ref: str,
    options: ImportOptions | None = None,
    progress: ProgressFn | None = None,
) -> ImportSummary:
    """Import the file at ``path`` into the community ``community_ref`` (name or id).

    Returns the summary; raises :class:`ImportFailed` when rows were bad in
    abort mode, :class:`~commons_core.io.readers.FileError` when the file
    cannot be read as a table of this kind or holds more than
    ``options.limits`` allow (a cell, columns, rows, an XLSX's unpacked size or
    compression ratio: nothing is written then), and
    :class:`~commons_core.io.output.OutputError` when ``options.errors_to`` is
    the file itself or cannot be written (both before any row is read).
    """
    options = options or ImportOptions()
    errors_to = options.errors_to
    if errors_to is not None:
        # Writing the error file would destroy the file while it is read, under any of its
        # names (a relative one, a link); a name not there yet can only match by itself.
        try:
            same = os.path.samefile(errors_to, path)
        except OSError:
            same = errors_to.resolve() == path.resolve()
        if same:
            raise OutputError(
                f"错误文件 {errors_to} 就是要导入的文件,写入会毁掉它;请另选文件名",
                f"the error file {errors_to} is the file being imported and writing it"
                " would destroy it; choose another name",
            )
    layout, make_loader = _sheet_of(commons, kind)
    started = time.perf_counter()
    with commons.unit_of_work(actor, readonly=True) as uow:
        community = uow.find_community(community_ref)
    summary = ImportSummary(kind=layout.kind, community=community.name, dry_run=options.dry_run)
    batched = options.on_error == "skip" and not options.dry_run
    if batched:
        _read_through(path, options.limits)
    with bulk_collection(), open_table(path, options.limits) as reader:
        columns = _columns(layout, reader, summary)
        loader = make_loader(commons, community, layout, {c.key for c in columns if c})
        marked = reader.marked_text
        with SeenKeys() as seen, _error_file(errors_to, reader.headers, marked) as errors:
            run = _Run(commons, actor, loader, seen, errors, summary, options)
            rows = _source_rows(reader, columns, layout, summary)
            if batched:
                run.in_batches(rows, reader, progress)
            else:
                run.in_one_transaction(rows, reader, progress)
    summary.seconds = time.perf_counter() - started
    if summary.rejected and options.on_error == "abort":
        raise ImportFailed(summary)
    return summary


def _sheet_of(commons: Commons, kind: str) -> tuple[Sheet, _LoaderFactory]:
    """The sheet of ``kind`` and its loader: a core sheet's, else an importable entity's
    derived sheet (:mod:`commons_core.io.derive`; a usage error names the choices)."""
    if kind in _LOADERS:
        return sheet(kind), _LOADERS[kind]
    from commons_core.io.derive import resolve_sheet
    from commons_core.io.entity_import import EntityLoader

    return resolve_sheet(kind, commons.entities), EntityLoader


def _read_through(path: Path, limits: ImportLimits) -> None:
    """Read the whole file once, so that one unreadable or beyond a limit is refused before
    skip mode commits its first batch (abort mode writes in one transaction and rolls back).
    Reading is a few per cent of an import's time."""
    with open_table(path, limits) as reader:
        for _row in reader.rows():
            pass


def _columns(layout: Sheet, reader: TableReader, summary: ImportSummary) -> list[Column | None]:
    columns, unknown = layout.match_headers(reader.headers)
    summary.encoding = reader.encoding
    summary.ignored_columns = unknown
    keys = [c.key for c in columns if c is not None]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        headers = ", ".join(layout.column(k).header for k in twice)
        raise FileError(f"表头重复:{headers}", f"columns given twice: {headers}")
    missing = [c.header for c in layout.columns if c.required and c.key not in keys]
    if missing:
        raise FileError(
            f"缺少必需的列:{', '.join(missing)}", f"required columns missing: {', '.join(missing)}"
        )
    return columns


def _error_file(path: Path | None, headers: Sequence[Any], marked: bool) -> Any:
    from contextlib import nullcontext

    return ErrorFile(path, headers, marked=marked) if path is not None else nullcontext(None)


def _source_rows(
    reader: TableReader,
    columns: Sequence[Column | None],
    layout: Sheet,
    summary: ImportSummary,
) -> Iterator[SourceRow]:
    """Each data row with its recognised cells made into values the codec accepts.

    Row 2 is skipped, and ``summary`` says so, when it is the template's example
    row left in: every column of the template there, every value the example's.
    A row none of whose recognised cells holds anything is no record (an error
    file's line about a whole household has only its row number and problems).
    """
    # Only the template itself has them all; in a file of fewer columns a genuine first
    # row may well read like the example (0001, 户籍, 1) in each column it has.
    whole = {c.key for c in layout.columns} <= {c.key for c in columns if c is not None}
    example = {c.key: c.example or None for c in layout.columns} if whole else None
    masked_ok = _maskable(layout)
    marked = reader.marked_text
    pairs = [(i, c) for i, c in enumerate(columns) if c is not None]
    for number, cells in reader.rows():
        values: dict[str, Any] = {}
        problems: list[RowProblem] = []
        for i, column in pairs:
            raw = cells[i] if i < len(cells) else None
            try:
                values[column.key] = _cell(column, raw, column.key in masked_ok, marked)
            except ValueError as error:
                zh, en = error.args
                problems.append(RowProblem(number, column.header, raw, "cell", zh, en))
        if not problems and all(v is None for v in values.values()):
            continue
        if (
            number == 2
            and example is not None
            and all(values.get(k) == v for k, v in example.items())
        ):
            summary.example_row_skipped = True
            continue
        yield SourceRow(number, cells, values, problems)


def _maskable(layout: Sheet) -> set[str]:
    """Columns whose masked values (from a masked export) mean "keep what is stored"."""
    sensitive: set[str] = set()
    for model in (Resident, Household, PartnerUnit):
        sensitive.update(sensitive_fields(model))
    return {c.key for c in layout.columns if c.key in sensitive} | layout.sensitive


def _cell(column: Column, raw: Any, maskable: bool, marked: bool) -> Any:
    """The value of one cell for the codec: text stripped (and, ``marked``, without the
    ``'`` a CSV export puts before text a spreadsheet would run), numbers kept exact, masks
    marked."""
    if raw is None:
        return None
    if isinstance(raw, str):
        text = raw.strip()
        if marked and text[:1] == MARK:
            text = restore(text)
        if not text:
            return None
        if maskable and "*" in text:
            return Masked(text)
        if column.key == "ethnicity" and text.isdigit() and len(text) == 1:
            return f"0{text}"  # the code 01 read back from a number cell
        return text
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and (column.text or column.key == "ethnicity"):
        if isinstance(raw, float) and (not raw.is_integer() or abs(raw) >= _EXACT_FLOAT):
            raise ValueError(
                "单元格为数字格式,长号码已丢失末位;请把该列设为文本格式后重新输入",
                "the cell is a number and lost the last digits of a long number;"
                " format the column as text and enter it again",
            )
        return f"{int(raw):02d}" if column.key == "ethnicity" else str(int(raw))
    return raw


class _Run:
    """One import: batches, transactions, counting, reporting."""

    def __init__(
        self,
        commons: Commons,
        actor: Actor,
        loader: _Loader,
        seen: SeenKeys,
        errors: ErrorFile | None,
        summary: ImportSummary,
        options: ImportOptions,
    ) -> None:
        self.commons = commons
        self.actor = actor
        self.loader = loader
        self.seen = seen
        self.errors = errors
        self.summary = summary
        self.options = options

    def batches(self, rows: Iterator[SourceRow]) -> Iterator[list[SourceRow]]:
        batch: list[SourceRow] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= self.options.batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def in_one_transaction(
        self, rows: Iterator[SourceRow], reader: TableReader, progress: ProgressFn | None
    ) -> None:
        try:
            load = BulkLoad(self.commons.tables)
            with self.commons.unit_of_work(self.actor) as uow, bulk_load(uow.connection):
                self.loader.start(uow)
                for batch in self.batches(rows):
                    self.record(batch, self.loader.load(uow, batch, self.seen))
                    self.seen.commit()
                    load.wrote(uow.connection, len(batch))
                    if progress:
                        progress(self.summary.read, reader.progress())
                self.report_headless(self.loader.finish(uow, self.seen))
                if self.summary.rejected or self.options.dry_run:
                    raise _Rollback
        except _Rollback:
            self.summary.written = False
        else:
            self.summary.written = True

    def in_batches(
        self, rows: Iterator[SourceRow], reader: TableReader, progress: ProgressFn | None
    ) -> None:
        load = BulkLoad(self.commons.tables)
        for batch in self.batches(rows):
            try:
                with self.commons.unit_of_work(self.actor) as uow, bulk_load(uow.connection):
                    self.loader.start(uow)
                    outcome = self.loader.load(uow, batch, self.seen)
                    load.wrote(uow.connection, len(batch))
            except ValidationError as error:
                self.seen.rollback()
                self.loader.forget()
                outcome = _Outcome.failed(batch, error.problems)
            else:
                self.seen.commit()
                self.summary.written = True
            self.record(batch, outcome)
            if progress:
                progress(self.summary.read, reader.progress())
        with self.commons.unit_of_work(self.actor, readonly=True) as uow:
            self.report_headless(self.loader.finish(uow, self.seen))

    def record(self, batch: list[SourceRow], outcome: _Outcome) -> None:
        summary = self.summary
        summary.read += len(batch)
        summary.inserted += outcome.inserted
        summary.updated += outcome.updated
        summary.unchanged += outcome.unchanged
        summary.households_created += outcome.households_created
        summary.households_updated += outcome.households_updated
        summary.groups_created += outcome.groups_created
        for row in batch:
            problems = outcome.problems.get(row.number)
            if problems:
                self.reject(row.number, row.cells, problems)

    def reject(
        self, number: int, cells: Sequence[Any], problems: list[RowProblem], counted: bool = True
    ) -> None:
        """Report a row's problems; ``counted``: the row was rejected (not only warned about)."""
        self.summary.rejected += counted
        self.summary.problems += len(problems)
        room = 20 - len(self.summary.first_problems)
        if room > 0:
            self.summary.first_problems.extend(problems[:room])
        if self.errors is not None:
            self.errors.add(number, cells, problems)

    def report_headless(self, problems: list[RowProblem]) -> None:
        """Report problems of whole households (their heads), found once every row is in.

        In abort mode each rejects the import like a bad row. In skip mode the
        household's rows went in with their batches and cannot be taken back,
        so each is a warning: listed and written to the error file (a line
        naming the household and its rows, no cells to import again), but no
        row is counted as rejected.
        """
        for problem in problems:
            if self.options.on_error == "abort":
                self.reject(problem.row, [], [problem])
                continue
            warning = attrs.evolve(
                problem,
                zh=f"{problem.zh};仅为提醒,该户各行照常导入",
                en=f"{problem.en}; a warning: the household's rows are imported all the same",
            )
            self.reject(warning.row, [], [warning], counted=False)


@attrs.define
class _Outcome:
    """What one batch did, and the problems of its rejected rows by row number."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    households_created: int = 0
    households_updated: int = 0
    groups_created: int = 0
    problems: dict[int, list[RowProblem]] = attrs.field(factory=dict)

    @classmethod
    def failed(cls, batch: list[SourceRow], problems: Sequence[Problem]) -> _Outcome:
        """Every row of a batch rejected, because writing it failed."""
        outcome = cls()
        for row in batch:
            outcome.problems[row.number] = row.problems or [
                RowProblem.of(row.number, "", p.value, p) for p in problems
            ]
        return outcome


class _Loader:
    """Turns batches of rows into writes for one kind of sheet."""

    def __init__(
        self, commons: Commons, community: Community, layout: Sheet, present: set[str]
    ) -> None:
        self.commons = commons
        self.community = community
        self.layout = layout
        self.present = present
        self.codec = commons.codec
        self.headers = {c.key: c.header for c in layout.columns}
        self.context: RuleContext | None = None
        self._groups: dict[int, UUID] | None = None
        self._new_groups: dict[UUID, ResidentsGroup] = {}

    # -- lifecycle ------------------------------------------------------------

    def start(self, uow: UnitOfWork) -> None:
        """Check the actor may do what the import needs, before any row is read."""
        for permission in self.permissions():
            uow.require(permission, self.layout.kind)
        self.context = uow.rule_context

    def permissions(self) -> list[str]:
        """Permissions the import needs."""
        raise NotImplementedError

    def load(self, uow: UnitOfWork, batch: list[SourceRow], seen: SeenKeys) -> _Outcome:
        """Check and write one batch."""
        raise NotImplementedError

    def finish(self, uow: UnitOfWork, seen: SeenKeys) -> list[RowProblem]:
        """Problems only visible once every row is in (a household's head count)."""
        return []

    def forget(self) -> None:
        """Drop what was cached from a batch that was rolled back."""
        self._groups = None
        self._new_groups = {}

    # -- helpers ----------------------------------------------------------------

    def structure(
        self, row: SourceRow, model: type[Any], keys: Sequence[str], extra: dict[str, Any]
    ) -> Any:
        """``model`` from the row's values for ``keys``; problems go on the row."""
        data = dict(extra)
        for key in keys:
            value = row.values.get(key)
            if value is not None and not isinstance(value, Masked):
                data[key] = value
        try:
            return self.codec.structure(data, model, context=self.context)
        except ValidationError as error:
            self.add_problems(row, error.problems)
            return None

    def add_problems(self, row: SourceRow, problems: Sequence[Problem]) -> None:
        """Attach codec problems to the row, each under the column it concerns."""
        for problem in problems:
            field = problem.path.split(".")[0].split("[")[0]
            key = "residents_group" if field == "residents_group_id" else field
            header = self.headers.get(key, "")
            value = row.values.get(key, problem.value) if header else problem.value
            row.problems.append(RowProblem.of(row.number, header, value, problem))

    def problem(self, row: SourceRow, key: str, code: str, zh: str, en: str) -> None:
        """Attach a problem found by the importer itself."""
        header = self.headers.get(key, "")
        row.problems.append(RowProblem(row.number, header, row.values.get(key), code, zh, en))

    def group_id(self, uow: UnitOfWork, row: SourceRow) -> Any:
        """The residents' group the row names (``None`` if none; made when missing)."""
        value = row.values.get("residents_group")
        if value is None or "residents_group" not in self.present:
            return None
        if self._groups is None:
            groups = uow.repo(ResidentsGroup).find(
                residents_group.c.community_id == self.community.id
            )
            self._groups = {g.number: g.id for g in groups}
        try:
            group = self.codec.structure(
                {"community_id": self.community.id, "number": value},
                ResidentsGroup,
                context=self.context,
            )
        except ValidationError as error:
            for problem in error.problems:
                self.problem(row, "residents_group", problem.code, problem.zh, problem.en)
            return None
        found = self._groups.get(group.number)
        if found is None:
            # Written with the first record that refers to it.
            self._new_groups[group.id] = attrs.evolve(group, name=f"第{group.number}居民小组")
            self._groups[group.number] = found = group.id
        return found

    def groups_to_add(self, used: set[Any]) -> list[ResidentsGroup]:
        """The new residents' groups that records about to be written refer to."""
        return [self._new_groups.pop(g) for g in sorted(used, key=str) if g in self._new_groups]


class _ResidentLoader(_Loader):
    """One row per resident; households made or updated from their household number.

    Heads are checked once every row is in (:meth:`finish`), against what the
    database then holds: the outcome of the whole file counts, not the order
    of its rows, so a file may name a new head before the old one steps down.
    """

    RESIDENT_KEYS = tuple(f.name for f in attrs.fields(Resident))
    HOUSEHOLD_KEYS = ("household_no", "address", "household_type")
    # What rows of the file give a household, each remembered with the first
    # row that gave it: its cells (a later row must agree) and its head.
    GIVEN = ("address", "household_type", "residents_group_id", "head")

    @attrs.define
    class _Home:
        """A household as the rows of this file so far make it.

        :ivar given: the row of this file that gave each of ``GIVEN``.
        """

        household: Household
        new: bool
        given: dict[str, int]
        used: bool = False
        changed: bool = False

        def apply(self, row: int, values: dict[str, Any], head: bool) -> None:
            """Take what a good row gives: household cells no earlier row gave, and its head."""
            self.used = True
            if head:
                self.given["head"] = row
            if not values:
                return
            self.given.update(dict.fromkeys(values, row))
            changes = {k: v for k, v in values.items() if getattr(self.household, k) != v}
            if changes:
                self.household = attrs.evolve(self.household, **changes)
                self.changed = True

    def permissions(self) -> list[str]:
        return [
            "resident:create",
            "resident:update",
            "household:create",
            "household:update",
            # Rows are matched by ID number: a filter on a sensitive field.
            Sensitivity.IDENTITY.permission,
        ]

    def load(self, uow: UnitOfWork, batch: list[SourceRow], seen: SeenKeys) -> _Outcome:
        cid = self.community.id
        keys = [k for k in self.RESIDENT_KEYS if k in self.present]
        parsed: list[tuple[SourceRow, Resident | None, Household | None, Any]] = []
        homes_read: dict[tuple[Any, ...], tuple[Household | None, list[RowProblem]]] = {}
        for row in batch:
            person = self.structure(row, Resident, keys, {"community_id": cid})
            # Members of a household repeat its cells: structure each distinct set once.
            cells = tuple(row.values.get(k) for k in self.HOUSEHOLD_KEYS)
            if cells in homes_read:
                home, problems = homes_read[cells]
                row.problems.extend(attrs.evolve(p, row=row.number) for p in problems)
            else:
                before = len(row.problems)
                home = self.structure(row, Household, self.HOUSEHOLD_KEYS, {"community_id": cid})
                homes_read[cells] = (home, row.problems[before:])
            group = self.group_id(uow, row)
            self._check_id_number(row)
            parsed.append((row, person, home, group))
        numbers = {p.id_number for _r, p, _h, _g in parsed if p is not None and p.id_number}
        nos = {h.household_no for _r, _p, h, _g in parsed if h is not None}
        existing = self._residents(uow, numbers)
        homes = self._homes(uow, nos, seen)
        seen_ids = seen.rows("id_number", numbers)

        outcome = _Outcome()
        batch_ids: dict[str, int] = {}
        inserts: list[Resident] = []
        updates: list[Resident] = []
        touched: dict[UUID, list[int]] = {}
        for row, person, home, group in parsed:
            if person is None or home is None or row.problems:
                outcome.problems[row.number] = row.problems
                continue
            number = person.id_number or ""
            earlier = batch_ids.get(number) or seen_ids.get(number)
            if earlier is not None:
                self.problem(
                    row,
                    "id_number",
                    "id_number.duplicate",
                    f"与第{earlier}行的身份证号重复",
                    f"the same ID number as row {earlier}",
                )
                outcome.problems[row.number] = row.problems
                continue
            target = homes[home.household_no]
            values = self._household(row, home, group, target)
            current = existing.get(number)
            candidate = self._candidate(row, person, current, target.household.id, keys)
            is_head = candidate.relation_to_head is RelationToHead.HEAD
            named = target.given.get("head")
            if is_head and named is not None:
                # Two rows of the file both name a head: wrong whatever their order.
                no = target.household.household_no
                self.problem(
                    row,
                    "relation_to_head",
                    "household.head_count",
                    f"户号 {no} 已有户主(第{named}行)",
                    f"household {no} already has a head (row {named})",
                )
            if row.problems:
                outcome.problems[row.number] = row.problems
                continue
            # The row is good: apply what it does to the batch.
            batch_ids[number] = row.number
            target.apply(row.number, values, is_head)
            touched.setdefault(target.household.id, []).append(row.number)
            previous = current.household_id if current is not None else None
            if previous is not None and previous != target.household.id:
                # The resident may have been the head there: check that household too.
                touched.setdefault(previous, []).append(row.number)
            (inserts if current is None else updates).append(candidate)
        new_homes = [h.household for h in homes.values() if h.new and h.used]
        home_updates = [h.household for h in homes.values() if not h.new and h.changed]
        groups = self.groups_to_add({h.residents_group_id for h in [*new_homes, *home_updates]})
        with uow.batch():
            if groups:
                uow.repo(ResidentsGroup).add_many(groups)
            if new_homes:
                uow.households.add_many(new_homes)
            if home_updates:
                uow.households.update_many(home_updates)
            if inserts:
                uow.residents.add_many(inserts)
            stored = uow.residents.update_many(updates) if updates else []
        changed = sum(1 for s, u in zip(stored, updates, strict=True) if s.version != u.version)
        outcome.inserted = len(inserts)
        outcome.updated = changed
        outcome.unchanged = len(updates) - changed
        outcome.households_created = len(new_homes)
        outcome.households_updated = len(home_updates)
        outcome.groups_created = len(groups)
        seen.add("id_number", batch_ids.items())
        for what in self.GIVEN:
            seen.add(
                f"household.{what}",
                ((no, h.given[what]) for no, h in homes.items() if what in h.given),
            )
        seen.touch((str(k), rows) for k, rows in touched.items())
        return outcome

    def _check_id_number(self, row: SourceRow) -> None:
        value = row.values.get("id_number")
        if isinstance(value, Masked):
            self.problem(
                row,
                "id_number",
                "id_number.masked",
                "身份证号已脱敏,无法识别居民;请用 --reveal 导出后再导入",
                "the ID number is masked and cannot identify the resident;"
                " export with --reveal to import again",
            )
        elif value is None:
            self.problem(
                row,
                "id_number",
                "required",
                "身份证号为必填项(用于识别居民,避免重复导入)",
                "the ID number is required (it identifies the resident on re-import)",
            )

    def _residents(self, uow: UnitOfWork, numbers: set[str]) -> dict[str, Resident]:
        """Stored residents (masked) by ID number; the numbers come from the file."""
        if not numbers:
            return {}
        scoped = uow.scoped(Resident)
        pairs = uow.connection.execute(
            select(scoped.c.id, scoped.c.id_number).where(
                scoped.c.community_id == self.community.id,
                scoped.c.id_number.in_(sorted(numbers)),
            )
        ).all()
        if not pairs:
            return {}
        by_id = {r.id: r for r in uow.residents.find(resident.c.id.in_([p.id for p in pairs]))}
        return {number: by_id[rid] for rid, number in pairs if rid in by_id}

    def _homes(self, uow: UnitOfWork, nos: set[str], seen: SeenKeys) -> dict[str, _Home]:
        """The households of these numbers: stored ones (earlier batches' included), or new."""
        cid = self.community.id
        stored = {
            h.household_no: h
            for h in uow.households.find(
                household.c.community_id == cid, household.c.household_no.in_(sorted(nos))
            )
        }
        given = {what: seen.rows(f"household.{what}", nos) for what in self.GIVEN}
        homes: dict[str, _ResidentLoader._Home] = {}
        for no in sorted(nos):
            found = stored.get(no)
            homes[no] = self._Home(
                # Cells no row gives keep the model's defaults.
                found or Household(community_id=cid, household_no=no),
                new=found is None,
                given={what: rows[no] for what, rows in given.items() if no in rows},
            )
        return homes

    def _household(
        self, row: SourceRow, home: Household, group: Any, target: _Home
    ) -> dict[str, Any]:
        """The household cells the row gives that no earlier row of this file gave.

        Empty household cells inherit, whichever row of the file comes first:
        a later row fills what earlier ones left blank. Only a value that
        differs from one an earlier row gave is a problem on this row.
        """
        given: dict[str, Any] = {
            k: getattr(home, k)
            for k in ("address", "household_type")
            if row.values.get(k) is not None
        }
        if group is not None:
            given["residents_group_id"] = group
        fresh: dict[str, Any] = {}
        for key, value in given.items():
            first = target.given.get(key)
            if first is None:
                fresh[key] = value
            elif getattr(target.household, key) != value:
                no = target.household.household_no
                self.problem(
                    row,
                    "residents_group" if key == "residents_group_id" else key,
                    "household.conflict",
                    f"与第{first}行(同一户号 {no})的值不一致",
                    f"differs from row {first} of the same household {no}",
                )
        return fresh

    def _candidate(
        self,
        row: SourceRow,
        person: Resident,
        current: Resident | None,
        household_id: UUID,
        keys: Sequence[str],
    ) -> Resident:
        """The resident as the row wants it: new, or the stored one with the row's values."""
        masked = [k for k in keys if isinstance(row.values.get(k), Masked)]
        if current is None:
            for key in masked:
                self.problem(
                    row,
                    key,
                    "masked",
                    "脱敏值不能用于新登记的居民",
                    "a masked value cannot be stored for a new resident",
                )
            return attrs.evolve(person, household_id=household_id)
        changes = {k: getattr(person, k) for k in keys if k not in ("id", "community_id")}
        for key in masked:
            # Kept when it is the stored value's mask (the repository restores it).
            changes[key] = getattr(current, key)
        changes["household_id"] = household_id
        return attrs.evolve(current, **changes)

    def finish(self, uow: UnitOfWork, seen: SeenKeys) -> list[RowProblem]:
        """Households the file touched that are left without exactly one active head.

        Read from the database once every row is in, one query per thousand
        households. A household left with no active member (its only member
        moved to another) needs no head.
        """
        problems: list[RowProblem] = []
        for chunk in seen.touched(1000):
            rows = {UUID(key): numbers for key, numbers in chunk}
            counts = self._head_counts(uow, list(rows))
            if not counts:
                continue
            found = uow.households.find(household.c.id.in_(sorted(counts, key=str)))
            problems.extend(
                self._head_problem(h.household_no, counts[h.id], rows[h.id]) for h in found
            )
        return sorted(problems, key=lambda p: p.row)

    def _head_counts(self, uow: UnitOfWork, household_ids: list[UUID]) -> dict[UUID, int]:
        """The active heads of those of these households with active members but not one head."""
        scoped = uow.scoped(Resident)
        heads = func.sum(case((scoped.c.relation_to_head == RelationToHead.HEAD, 1), else_=0))
        # No join and a short list of ids: under row-level security the planner
        # expects a row or two and would otherwise test every resident against the list.
        query = (
            select(scoped.c.household_id, heads)
            .where(
                scoped.c.community_id == self.community.id,
                scoped.c.household_id.in_(household_ids),
                scoped.c.status == ResidentStatus.ACTIVE,
            )
            .group_by(scoped.c.household_id)
            .having(heads != 1)
        )
        return {row[0]: int(row[1]) for row in uow.connection.execute(query)}

    def _head_problem(self, no: str, heads: int, rows: list[int]) -> RowProblem:
        """The problem of a household with ``heads`` heads, at the first of its ``rows``."""
        shown = rows[:10]
        more = len(rows) > len(shown)
        zh_rows = "、".join(map(str, shown)) + ("等" if more else "")
        en_rows = ", ".join(map(str, shown)) + (", …" if more else "")
        en_where = f"{'rows' if len(rows) > 1 else 'row'} {en_rows} of this file"
        if heads == 0:
            zh, en = f"户号 {no} 没有户主", f"household {no} has no head"
        else:
            zh = f"户号 {no} 有{heads}位户主,每户只能有一位"
            en = f"household {no} has {heads} heads; a household has exactly one"
        return RowProblem(
            rows[0],
            self.headers["relation_to_head"],
            None,
            "household.head_count",
            f"{zh}(本文件第{zh_rows}行)",
            f"{en} ({en_where})",
        )


class _EntityLoader(_Loader):
    """One row per record of one entity, matched by its key columns."""

    model: type[Any]
    entity: str

    @attrs.frozen
    class Unclear:
        """Several stored records fit a row: a problem on the row rather than a guess."""

        column: str
        code: str
        zh: str
        en: str

    def permissions(self) -> list[str]:
        return [f"{self.entity}:create", f"{self.entity}:update"]

    def keys(self) -> list[str]:
        names = {f.name for f in attrs.fields(self.model)}
        return [c.key for c in self.layout.columns if c.key in names and c.key in self.present]

    def match(self, uow: UnitOfWork, objs: list[Any]) -> dict[tuple[str, str], Any]:
        """Stored records matching ``objs``, by their :meth:`key_of`; one query for the batch.

        A value may be :class:`Unclear` when several stored records fit.
        """
        raise NotImplementedError

    def kept(self, obj: Any, current: Any) -> dict[str, Any]:
        """Stored values an update keeps although the row leaves them empty."""
        return {}

    def key_of(self, obj: Any) -> tuple[str, str]:
        """The column and value that identify ``obj``."""
        for key in self.layout.key_columns:
            value = getattr(obj, key, None)
            if value:
                return key, str(value)
        raise ConfigurationError("缺少识别列", "no key column")  # pragma: no cover

    def load(self, uow: UnitOfWork, batch: list[SourceRow], seen: SeenKeys) -> _Outcome:
        keys = self.keys()
        extra = {"community_id": self.community.id}
        parsed: list[tuple[SourceRow, Any]] = []
        for row in batch:
            obj = self.structure(row, self.model, keys, extra)
            group = self.group_id(uow, row)
            if obj is not None and group is not None:
                obj = attrs.evolve(obj, residents_group_id=group)
            parsed.append((row, obj))
        good = [obj for row, obj in parsed if obj is not None and not row.problems]
        stored = self.match(uow, good)
        seen_keys = seen.rows(self.entity, [f"{k}={v}" for k, v in map(self.key_of, good)])
        # Rows with different keys may still mean one record (a unit matched by code or by
        # name): the second would update it again, so records are tracked as well as keys.
        records = f"{self.entity}.record"
        found = [str(s.id) for s in stored.values() if not isinstance(s, self.Unclear)]
        seen_records = seen.rows(records, found)
        outcome = _Outcome()
        inserts: list[Any] = []
        updates: list[Any] = []
        batch_keys: dict[str, int] = {}
        batch_records: dict[str, int] = {}
        for row, obj in parsed:
            if obj is None or row.problems:
                outcome.problems[row.number] = row.problems
                continue
            column, value = self.key_of(obj)
            key = f"{column}={value}"
            earlier = batch_keys.get(key) or seen_keys.get(key)
            if earlier is not None:
                self.problem(
                    row, column, "duplicate", f"与第{earlier}行重复", f"repeats row {earlier}"
                )
                outcome.problems[row.number] = row.problems
                continue
            batch_keys[key] = row.number
            current = stored.get((column, value))
            if isinstance(current, self.Unclear):
                self.problem(row, current.column, current.code, current.zh, current.en)
                outcome.problems[row.number] = row.problems
                continue
            if current is not None:
                record = str(current.id)
                earlier = batch_records.get(record) or seen_records.get(record)
                if earlier is not None:
                    self.problem(
                        row,
                        column,
                        "duplicate",
                        f"与第{earlier}行对应同一条记录",
                        f"means the same record as row {earlier}",
                    )
                    outcome.problems[row.number] = row.problems
                    continue
            masked = [k for k in keys if isinstance(row.values.get(k), Masked)]
            if current is None:
                if masked:
                    for k in masked:
                        self.problem(
                            row,
                            k,
                            "masked",
                            "脱敏值不能用于新记录",
                            "a masked value cannot be stored",
                        )
                    outcome.problems[row.number] = row.problems
                    continue
                inserts.append(obj)
                batch_records[str(obj.id)] = row.number
                continue
            batch_records[str(current.id)] = row.number
            changes = {k: getattr(obj, k) for k in keys}
            changes |= {k: getattr(current, k) for k in masked}
            changes |= self.kept(obj, current)
            if "residents_group" in self.present:
                changes["residents_group_id"] = obj.residents_group_id
            updates.append(attrs.evolve(current, **changes))
        groups = self.groups_to_add(
            {getattr(o, "residents_group_id", None) for o in [*inserts, *updates]}
        )
        repo = uow.repo(self.model)
        with uow.batch():
            if groups:
                uow.repo(ResidentsGroup).add_many(groups)
            if inserts:
                repo.add_many(inserts)
            written = repo.update_many(updates) if updates else []
        changed = sum(1 for s, u in zip(written, updates, strict=True) if s.version != u.version)
        outcome.inserted = len(inserts)
        outcome.updated = changed
        outcome.unchanged = len(updates) - changed
        outcome.groups_created = len(groups)
        seen.add(self.entity, batch_keys.items())
        seen.add(records, batch_records.items())
        return outcome


class _HouseholdLoader(_EntityLoader):
    model = Household
    entity = "household"

    def match(self, uow: UnitOfWork, objs: list[Any]) -> dict[tuple[str, str], Any]:
        nos = sorted({o.household_no for o in objs})
        found = uow.households.find(
            household.c.community_id == self.community.id, household.c.household_no.in_(nos)
        )
        return {("household_no", h.household_no): h for h in found}


class _PartnerUnitLoader(_EntityLoader):
    model = PartnerUnit
    entity = "partner_unit"

    def match(self, uow: UnitOfWork, objs: list[Any]) -> dict[tuple[str, str], Any]:
        """Units by credit code; failing that, by name (see :meth:`_by_name`)."""
        if not objs:
            return {}
        codes = sorted({o.credit_code for o in objs if o.credit_code})
        names = sorted({o.name for o in objs})
        table = partner_unit.c
        # Every namesake too, not only those of rows without a code: a row's code may be
        # new to a unit stored without one.
        units = uow.repo(PartnerUnit).find(
            table.community_id == self.community.id,
            table.credit_code.in_(codes) | table.name.in_(names),
        )
        by_code = {u.credit_code: u for u in units if u.credit_code}
        namesakes: dict[str, list[PartnerUnit]] = {}
        for unit in units:
            namesakes.setdefault(unit.name, []).append(unit)
        found: dict[tuple[str, str], Any] = {}
        for obj in objs:
            fits = by_code.get(obj.credit_code) if obj.credit_code else None
            if fits is None:
                fits = self._by_name(obj, namesakes.get(obj.name, []))
            if fits is not None:
                found[self.key_of(obj)] = fits
        return found

    def _by_name(self, obj: PartnerUnit, namesakes: list[PartnerUnit]) -> Any:
        """The stored unit of ``obj``'s name that the row means, if one does.

        A row with a code no unit has is the unit of its name stored without a
        code (the code is added to it), or a new unit. A row without a code is
        the unit of its name stored without one, else the only unit of its name.
        Several candidates are :class:`~_EntityLoader.Unclear`, never a guess.
        """
        uncoded = [u for u in namesakes if not u.credit_code]
        candidates = uncoded if obj.credit_code or uncoded else namesakes
        if len(candidates) < 2:
            return candidates[0] if candidates else None
        n = len(candidates)
        if candidates is uncoded:
            zh = f"有 {n} 个同名单位未登记统一社会信用代码,无法确定是哪一个;请先区分或合并这些单位"
            en = (
                f"{n} units of this name have no credit code: cannot tell which one the row"
                " means; tell them apart or merge them first"
            )
        else:
            zh = f"有 {n} 个同名单位,无法确定是哪一个;请填写统一社会信用代码"
            en = f"{n} units have this name: cannot tell which one the row means; give its code"
        return self.Unclear("name", "name.ambiguous", zh, en)

    def kept(self, obj: Any, current: Any) -> dict[str, Any]:
        # A row matched by name without a code leaves the code that identifies the unit.
        if obj.credit_code is None and current.credit_code:
            return {"credit_code": current.credit_code}
        return {}


_LoaderFactory = Callable[["Commons", Community, Sheet, set[str]], "_Loader"]
_LOADERS: dict[str, _LoaderFactory] = {
    "residents": _ResidentLoader,
    "households": _HouseholdLoader,
    "partner-units": _PartnerUnitLoader,
}
