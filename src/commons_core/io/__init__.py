"""Bulk import and export: spreadsheet templates, importers, exporters, error files.

::

    from commons_core.io import ImportOptions, export_table, import_table, write_template

    write_template("residents", Path("residents.xlsx"))
    summary = import_table(commons, actor, "residents", Path("residents.csv"), "文化路社区")
    export_table(commons, actor, "residents", "文化路社区", output=Path("out.csv"))

The command line wraps them as ``commons template``, ``commons import`` and
``commons export``. The names are imported when first used, so that the
command line (which reads the import's default limits to show them in its
help) does not load SQLAlchemy and openpyxl before a command needs them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from commons_core.io.exporter import ExportSummary, export_table
    from commons_core.io.importer import ImportFailed, ImportOptions, ImportSummary, import_table
    from commons_core.io.layout import KINDS, Column, Sheet, sheet
    from commons_core.io.limits import ImportLimits
    from commons_core.io.problems import ErrorFile, RowProblem
    from commons_core.io.readers import FileError, detect_encoding, open_table
    from commons_core.io.templates import write_template

_WHERE = {
    "ExportSummary": "exporter",
    "export_table": "exporter",
    "ImportFailed": "importer",
    "ImportOptions": "importer",
    "ImportSummary": "importer",
    "import_table": "importer",
    "KINDS": "layout",
    "Column": "layout",
    "Sheet": "layout",
    "sheet": "layout",
    "ImportLimits": "limits",
    "ErrorFile": "problems",
    "RowProblem": "problems",
    "FileError": "readers",
    "detect_encoding": "readers",
    "open_table": "readers",
    "write_template": "templates",
}

__all__ = [
    "KINDS",
    "Column",
    "ErrorFile",
    "ExportSummary",
    "FileError",
    "ImportFailed",
    "ImportLimits",
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


def __getattr__(name: str) -> Any:
    """A public name of the package, imported from its module when first used."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
