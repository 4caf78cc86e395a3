"""scripts/wiring_lines.py: the table of each plugin's wiring lines (issue 15's measure)."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "wiring_lines.py"


def test_only_code_counts() -> None:
    code_lines = runpy.run_path(str(SCRIPT))["code_lines"]
    source = '''"""A module docstring
over two lines."""

# a comment
import os  # a trailing comment


def f(
    x: int,
) -> int:
    """A docstring."""
    return x
'''
    assert code_lines(source) == 5  # import, def over three lines, return


def test_the_table_has_a_row_per_plugin() -> None:
    printed = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert printed[0].startswith("| plugin | __init__ |") and printed[0].endswith("| domain |")
    rows = {line.split(" | ")[0].lstrip("| "): line for line in printed[2:]}
    assert set(rows) >= {
        "commons-love-supermarket",
        "commons-elderly-health",
        "commons-safety-patrol",
    }
    for line in rows.values():
        numbers = [int(cell) for cell in line.strip("| ").split(" | ")[1:]]
        assert sum(numbers[:-2]) == numbers[-2] and numbers[-1] > 0  # wiring sums its columns
