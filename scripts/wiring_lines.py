"""Count each plugin's wiring: the lines that are not its domain code.

Usage: ``python scripts/wiring_lines.py [--rev REV]`` (``--rev`` counts a commit's files
instead of the working tree, for before-and-after figures).

A plugin's domain code is its model, rules, services, reports, pages and demo (the
modules ``model``, ``rules``, ``services``, ``reports``, ``web``, ``demo`` and any other
module of its own logic listed in :data:`DOMAIN`); everything else in its package is
wiring: the manifest and its stub (``__init__``), hand-written hooks (``hooks``,
``hookspecs``), ``tables``, ``roles``, the command line (``cli``). Migrations are
generated, not written, and are left out. A line counts when it holds code: blank
lines, comments and docstrings do not.
"""

from __future__ import annotations

import argparse
import ast
import io
import subprocess
import tokenize
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = frozenset(
    {"model", "rules", "services", "reports", "web", "demo", "roster", "eligibility"}
)
"""Module names (or package names) holding domain code."""
COLUMNS = ("__init__", "hooks", "hookspecs", "tables", "roles", "cli")
"""The wiring modules shown in columns of their own; others are summed in ``other``."""


def code_lines(source: str) -> int:
    """Lines of ``source`` holding code: not blank, not only a comment, not a docstring."""
    docstrings: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list):
            for statement in body:
                value = statement.value if isinstance(statement, ast.Expr) else None
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    end = statement.end_lineno or statement.lineno
                    docstrings.update(range(statement.lineno, end + 1))
    lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT):
            continue
        if token.type in (tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines - docstrings)


def _files(rev: str | None, package: Path) -> Iterable[tuple[str, str]]:
    """``(path inside the package, source)`` of every Python file but migrations."""
    if rev is None:
        for path in sorted(package.rglob("*.py*")):
            if path.suffix in (".py", ".pyi") and "migrations" not in path.parts:
                yield str(path.relative_to(package)), path.read_text(encoding="utf-8")
        return
    relative = package.relative_to(ROOT)
    listed = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", rev, str(relative)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in listed:
        inner = Path(name).relative_to(relative)
        if inner.suffix in (".py", ".pyi") and "migrations" not in inner.parts:
            shown = subprocess.run(
                ["git", "show", f"{rev}:{name}"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            yield str(inner), shown.stdout


def count(rev: str | None) -> list[tuple[str, dict[str, int], int, int]]:
    """Per plugin: its name, wiring lines per column, wiring in all, domain lines."""
    rows = []
    for project in sorted((ROOT / "plugins").iterdir()):
        packages = [p for p in (project / "src").glob("*") if p.is_dir() and "." not in p.name]
        if not packages:
            continue
        wiring = dict.fromkeys((*COLUMNS, "other"), 0)
        domain = 0
        for name, source in _files(rev, packages[0]):
            module = Path(name).parts[0].split(".")[0]
            lines = code_lines(source)
            if module in DOMAIN:
                domain += lines
            else:
                wiring[module if module in COLUMNS else "other"] += lines
        rows.append((project.name, wiring, sum(wiring.values()), domain))
    return rows


def main() -> None:
    """Print the table: one row per plugin."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rev", help="count the files of this commit instead of the tree")
    args = parser.parse_args()
    header = ["plugin", *COLUMNS, "other", "wiring", "domain"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" + "---:|" * (len(header) - 1))
    for name, wiring, total, domain in count(args.rev):
        cells = [name, *(str(wiring[c]) for c in (*COLUMNS, "other")), str(total), str(domain)]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
