"""``commons plugin new NAME``: a plugin package that installs and passes its tests at once.

The templates under ``template/`` mirror the package they produce: ``{package}``
and ``{name}`` in a path stand for the package and plugin names, and the files
are :class:`string.Template` texts (``$name``, ``${title_zh}`` …) with the
suffix ``.tmpl``, so nothing in them is mistaken for the core's own code;
``dot-gitignore`` becomes ``.gitignore``.
The result has the shape every bundled plugin has::

    commons-NAME/
      pyproject.toml       entry point  NAME = "commons_NAME:plugin"
      README.md
      src/commons_NAME/
        __init__.py        plugin = Plugin(...): the manifest, every part a lazy reference
        __init__.pyi       the public names, imported on first use (lazy_loader)
        model tables rules services reports cli demo .py
        py.typed  migrations/versions/NAME_0001_initial.py
      tests/conftest.py  tests/test_NAME.py  tests/test_conformance.py

It passes its own lint (``ruff check``, ``ruff format --check``, the core's
settings), ``mypy --strict`` and its tests as it is written.
"""

from __future__ import annotations

import keyword
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath
from string import Template

import attrs

from commons_core.errors import ConfigurationError

__all__ = ["MAX_NAME_LENGTH", "PluginNames", "create_plugin", "plugin_names", "render"]

MAX_NAME_LENGTH = 17
"""Longest plugin name: constraint names such as
``fk_<name>_record_community_id_household_id_household`` must stay within
PostgreSQL's 63 characters, or PostgreSQL would cut them short."""

SUFFIX = ".tmpl"
DOT = "dot-"
NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


@attrs.frozen
class PluginNames:
    """Every name a plugin goes by, derived from the one its author chose."""

    name: str
    """The plugin's name: entry point, Alembic branch, table prefix (``love_supermarket``)."""
    title_zh: str
    """What users call it, in Chinese."""
    title_en: str
    """What users call it, in English."""

    @property
    def dashed(self) -> str:
        """For commands and report names (``love-supermarket``)."""
        return self.name.replace("_", "-")

    @property
    def dist(self) -> str:
        """The distribution (``commons-love-supermarket``), also the folder created."""
        return f"commons-{self.dashed}"

    @property
    def camel(self) -> str:
        """For class names (``LoveSupermarket``)."""
        return "".join(word.capitalize() for word in self.name.split("_"))

    @property
    def package(self) -> str:
        """The import package (``commons_love_supermarket``)."""
        return f"commons_{self.name}"


def plugin_names(
    raw: str, *, title_zh: str | None = None, title_en: str | None = None
) -> PluginNames:
    """Check the name an author typed (``love-supermarket`` or ``love_supermarket``).

    Raises :class:`~commons_core.errors.ConfigurationError` saying what is
    wrong with it and what is accepted.
    """
    name = raw.strip().lower().replace("-", "_")
    if name.startswith("commons_"):
        name = name.removeprefix("commons_")
    if not NAME_PATTERN.fullmatch(name) or keyword.iskeyword(name):
        raise ConfigurationError(
            f"插件名 {raw!r} 无效:只能用小写字母、数字和连字符,并以字母开头",
            f"plugin name {raw!r} is not valid: use lower-case letters, digits and"
            " hyphens, starting with a letter (love-supermarket)",
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ConfigurationError(
            f"插件名 {raw!r} 过长(最多 {MAX_NAME_LENGTH} 个字符):表和约束名以它为前缀",
            f"plugin name {raw!r} is too long (at most {MAX_NAME_LENGTH} characters):"
            " its tables and constraints are named after it",
        )
    words = name.replace("_", " ")
    return PluginNames(name=name, title_zh=title_zh or words, title_en=title_en or words)


def render(names: PluginNames, *, now: datetime | None = None) -> dict[PurePosixPath, str]:
    """Every file of the new package, by path relative to its folder."""
    from commons_core import __version__

    major_minor = ".".join(__version__.split(".")[:2])
    values = {
        "name": names.name,
        "dashed": names.dashed,
        "dist": names.dist,
        "package": names.package,
        "camel": names.camel,
        "title_zh": names.title_zh,
        "title_en": names.title_en,
        "core_version": major_minor,
        "created": (now or datetime.now()).isoformat(sep=" ", timespec="seconds"),
    }
    rendered: dict[PurePosixPath, str] = {}
    for relative, template in _templates(files(__name__) / "template", PurePosixPath()):
        path = PurePosixPath(
            *(
                # Package data globs skip dot files: ship them as dot-NAME.
                "." + part.removeprefix(DOT) if part.startswith(DOT) else part
                for part in str(relative)
                .removesuffix(SUFFIX)
                .format(package=names.package, name=names.name)
                .split("/")
            )
        )
        rendered[path] = Template(template.read_text(encoding="utf-8")).substitute(values)
    return rendered


def create_plugin(names: PluginNames, parent: Path) -> Path:
    """Write the package into ``parent / names.dist``, whole or not at all.

    Refuses to touch an existing folder. Files are written to a temporary
    folder beside the target and moved into place at the end, so a failure
    leaves nothing half-written.
    """
    target = parent / names.dist
    if target.exists():
        raise ConfigurationError(
            f"目录 {target} 已存在,未作任何改动",
            f"{target} already exists; nothing was changed",
        )
    if not parent.is_dir():
        raise ConfigurationError(f"目录 {parent} 不存在", f"the folder {parent} does not exist")
    staging = Path(tempfile.mkdtemp(prefix=f".{names.dist}-", dir=parent))
    try:
        for relative, text in render(names).items():
            path = staging.joinpath(*relative.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _templates(
    folder: Traversable, prefix: PurePosixPath
) -> Iterator[tuple[PurePosixPath, Traversable]]:
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            if entry.name != "__pycache__":
                yield from _templates(entry, prefix / entry.name)
        elif entry.name.endswith(SUFFIX):
            yield prefix / entry.name, entry
