"""At app start: every plugin's templates compile, and every template they name exists.

A plugin's folder of templates (``WebContribution.templates``) is read whole when
the app is built: a syntax error, or an ``{% extends %}``, ``{% include %}`` or
``{% import %}`` of a template that is in no folder, is a
:class:`~commons_core.errors.PluginError` naming the plugin, the template and the
line, instead of a broken page later. The name a handler passes to
``ctx.render`` is computed in code and is checked when the page is served: a
missing one is answered 500 "template X of plugin Y not found" and logged
(:mod:`commons_reference.errors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from jinja2 import Environment, TemplateNotFound, TemplateSyntaxError, meta

from commons_core.errors import PluginError

if TYPE_CHECKING:
    from commons_reference.contract import WebContribution

__all__ = ["check_templates"]


def check_templates(environment: Environment, contributions: Sequence[WebContribution]) -> None:
    """Raise :class:`PluginError` unless every plugin's templates compile in ``environment``
    and every template they name by a constant exists there."""
    loader = environment.loader
    assert loader is not None  # the app's environment always has its folders' loader
    for contribution in contributions:
        folder = contribution.templates
        if folder is None:
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = f"{contribution.name}/{path.relative_to(folder).as_posix()}"
            try:
                parsed = environment.parse(path.read_text("utf-8"), name, str(path))
            except TemplateSyntaxError as error:
                raise PluginError(
                    contribution.name,
                    f"模板 {name} 第 {error.lineno} 行有语法错误:{error.message}",
                    f"template {name} has a syntax error on line {error.lineno}: {error.message}",
                ) from None
            except UnicodeDecodeError:
                raise PluginError(
                    contribution.name,
                    f"模板 {name} 不是 UTF-8 文本",
                    f"template {name} is not UTF-8 text",
                ) from None
            for named in meta.find_referenced_templates(parsed):
                if named is None:
                    continue  # computed at render time
                try:
                    loader.get_source(environment, named)
                except TemplateNotFound:
                    raise PluginError(
                        contribution.name,
                        f"模板 {name} 引用的模板 {named} 不存在",
                        f"template {name} names template {named}, which does not exist",
                    ) from None
