"""Sphinx configuration of the commons_core manual (built with ``sphinx-build -W``)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "_ext"))

from commons_core import __version__  # noqa: E402 - after the path is set

project = "commons_core"
author = "commons_core developers"
copyright = "commons_core developers"
release = __version__
version = ".".join(__version__.split(".")[:2])
language = "en"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "sphinx_click",
    "commons_docs",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# No network while building: links to other projects' manuals are plain links.
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_class_signature = "separated"
autodoc_default_options = {"members": True, "show-inheritance": False}

# Every example runs in a fresh temporary folder, so SQLite files the examples
# create never land in the source tree.
doctest_global_setup = """
import os as _os, tempfile as _tempfile
_doc_cwd = _os.getcwd()
_doc_tmp = _tempfile.TemporaryDirectory()
_os.chdir(_doc_tmp.name)
_os.environ.pop("COMMONS_DATABASE_URL", None)
"""
doctest_global_cleanup = """
_os.chdir(_doc_cwd)
_doc_tmp.cleanup()
"""

html_theme = "furo"
html_title = f"commons_core {release}"
html_static_path: list[str] = []
html_theme_options = {"navigation_with_keys": True}
# SQLAlchemy's types would lend their docstrings, which link into SQLAlchemy's manual.
autodoc_inherit_docstrings = False
