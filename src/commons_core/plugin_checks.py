"""What two plugins may not both declare: a table, an entity, a permission, a role, a report.

:meth:`commons_core.plugins.PluginHost` runs :func:`declared_twice` the first time
the entities, tables, permissions or reports are asked for (not at start, so
``commons --help`` imports no plugin's model), and refuses every plugin that
declares what an earlier one (the core first, then in load order) declared
already, naming both plugins and their distributions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from commons_core.plugins import PluginHost

__all__ = ["declared_twice"]

_WHAT: tuple[tuple[str, str, Callable[[Any], Iterable[str]]], ...] = (
    ("commons_entities", "table", lambda e: [e.table.name]),
    ("commons_entities", "entity", lambda e: [e.name]),
    ("commons_tables", "table", lambda t: [t.name]),
    ("commons_permissions", "permission", lambda p: [p.name]),
    ("commons_roles", "role", lambda r: [r.name]),
    ("commons_reports", "report", lambda r: [r.name]),
)


def declared_twice(host: PluginHost) -> list[tuple[str, str]]:
    """``(plugin, reason)`` for each plugin declaring something declared before it."""
    from commons_core.access import BUILTIN_ROLES

    owners: dict[tuple[str, str], str] = {("role", r.name): "commons_core" for r in BUILTIN_ROLES}
    refused: dict[str, str] = {}
    order = {info.name: i for i, info in enumerate(host.plugins)}
    for hook, what, names in _WHAT:
        answers = sorted(host.call_each(hook), key=lambda answer: order.get(answer[0], 0))
        for plugin, items in answers:
            if plugin in refused:
                continue
            for item in items or ():
                for name in names(item):
                    owner = owners.setdefault((what, name), plugin)
                    if owner != plugin and plugin not in refused:
                        refused[plugin] = (
                            f"declares the {what} {name}, which plugin {owner}"
                            f" ({_distribution(host, owner)}) declares already;"
                            f" this plugin is {plugin} ({_distribution(host, plugin)})"
                        )
    return list(refused.items())


def _distribution(host: PluginHost, plugin: str) -> str:
    info = next((i for i in host.plugins if i.name == plugin), None)
    if info is None or info.package is None:
        return "no distribution"
    return f"{info.package} {info.version or ''}".strip()
