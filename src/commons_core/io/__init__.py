"""Bulk import and export: spreadsheet templates, importers, exporters, error files.

::

    from commons_core.io import ImportOptions, export_table, import_table, write_template

    write_template("residents", Path("residents.xlsx"))
    summary = import_table(commons, actor, "residents", Path("residents.csv"), "文化路社区")
    export_table(commons, actor, "residents", "文化路社区", output=Path("out.csv"))

The command line wraps them as ``commons template``, ``commons import`` and
``commons export``.
"""

from commons_core.io.exporter import ExportSummary, export_table
from commons_core.io.importer import ImportFailed, ImportOptions, ImportSummary, import_table
from commons_core.io.layout import KINDS, Column, Sheet, sheet
from commons_core.io.problems import ErrorFile, RowProblem
from commons_core.io.readers import FileError, detect_encoding, open_table
from commons_core.io.templates import write_template

__all__ = [
    "KINDS",
    "Column",
    "ErrorFile",
    "ExportSummary",
    "FileError",
    "ImportFailed",
    "ImportOptions",
    "ImportSummary",
    "RowProblem",
    "Sheet",
    "detect_encoding",
    "export_table",
    "import_table",
    "open_table",
    "sheet",
    "write_template",
]
