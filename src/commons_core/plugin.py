"""A plugin as one declaration: :class:`Plugin`, the manifest a plugin's entry point names.

A working system declares what it adds — entities, permissions, roles and
grants, rules, reports, command line group, web pages, demo data, event
handlers, the plugins it needs — in one object, and writes only its domain
code::

    # commons_safety_patrol/__init__.py
    from commons_core.plugin import Plugin
    from commons_core import Label

    plugin = Plugin(
        name="safety_patrol",
        label=Label("治安巡逻", "safety patrols"),
        package=__name__,
        entities=".tables:ENTITIES",
        rules=".rules:safety_patrol_rules",
        reports=".reports:REPORTS",
        cli=[LazyCommand("patrol", ".cli:patrol", "治安巡逻 / safety patrols")],
        web=".web:contributions",
        demo=".demo:add_demo_data",
    )

::

    [project.entry-points.commons_core]
    safety_patrol = "commons_safety_patrol:plugin"

Everything heavy is named by a *reference*, ``"module:attribute"`` (a module
starting with ``.`` is inside ``package``), and imported the first time it is
needed: ``commons --help`` imports no plugin's model, tables or reports. A
reference to a callable is called (with no arguments) to give the value, so a
list can be built when asked for. Migrations and templates are found by folder
convention: ``<package>/migrations/versions`` is the plugin's Alembic branch
(labelled with its name), ``<package>/templates`` its templates.

The manifest registers as a pluggy plugin object (:meth:`Plugin.hooks`): the
hooks of :mod:`commons_core.hookspecs` stay the mechanism underneath, and a
plugin that implements hooks by hand keeps working beside manifests.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import click

from commons_core.errors import PluginError
from commons_core.hookspecs import PROJECT, hookimpl
from commons_core.model import Label

if TYPE_CHECKING:
    import cattrs

    from commons_core.demo import DemoContext
    from commons_core.model import DomainEvent
    from commons_core.plugins import PluginHost
    from commons_core.services import Commons, UnitOfWork

__all__ = ["LazyCommand", "Plugin", "resolve"]

NAME = re.compile(r"[a-z][a-z0-9_]{1,39}")
"""A plugin's name: its entry point's name, its tables' prefix and its branch's label."""


def resolve(reference: Any, package: str) -> Any:
    """The value ``reference`` names (``"module:attribute"``, or ``"module"`` for a whole
    module; ``.module`` inside ``package``); anything else is returned as it is."""
    if not isinstance(reference, str):
        return reference
    module_name, _, attribute = reference.partition(":")
    try:
        value = importlib.import_module(
            module_name, package if module_name.startswith(".") else None
        )
        for part in attribute.split(".") if attribute else ():
            value = getattr(value, part)
    except (ImportError, AttributeError, TypeError) as error:
        raise PluginError(
            package,
            f"引用 {reference!r}(模块:属性)无法解析:{error}",
            f"reference {reference!r} (module:attribute) does not resolve: {error}",
        ) from error
    return value


class LazyCommand(click.Command):
    """A command line group named in a manifest and imported only when it runs.

    ``commons --help`` lists it by ``name`` and ``help`` without importing it;
    ``commons patrol …`` imports the real command and hands it the arguments.
    """

    def __init__(self, name: str, reference: str, help: str, package: str = "") -> None:
        super().__init__(name, help=help, short_help=help, add_help_option=False)
        self.reference = reference
        self.package = package
        self._loaded: click.Command | None = None

    def bound(self, package: str) -> LazyCommand:
        """This command with its relative reference resolved inside ``package``."""
        return LazyCommand(self.name or "", self.reference, self.help or "", package)

    def loaded(self) -> click.Command:
        """The real command (imported on first use)."""
        if self._loaded is None:
            found = resolve(self.reference, self.package)
            if not isinstance(found, click.Command):
                raise PluginError(
                    self.package,
                    f"{self.reference} 不是命令",
                    f"{self.reference} is not a click command",
                )
            self._loaded = found
        return self._loaded

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """The real command's context: it parses the arguments and runs."""
        return self.loaded().make_context(info_name, args, parent=parent, **extra)


Reference = Any
"""A value, or the ``"module:attribute"`` reference of it (of a callable giving it)."""


@attrs.frozen(kw_only=True)
class Plugin:
    """What a plugin adds, declared once. See the module's documentation.

    :ivar name: snake_case; the entry point's name, the tables' prefix, the branch label.
    :ivar label: the working system's name as people read it.
    :ivar package: the import name of the plugin's package (``__name__`` of its
        ``__init__``): relative references and folders are found from it.
    :ivar version: defaults to the installed distribution's version.
    :ivar entities: :class:`~commons_core.storage.Entity` objects (a reference).
    :ivar tables: tables that store no entity.
    :ivar permissions: the plugin's own permissions (a sequence or a reference).
    :ivar roles: roles the plugin adds.
    :ivar grants: role name → permission patterns granted to it.
    :ivar rules: validation rules.
    :ivar reports: reports.
    :ivar cli: command line commands (:class:`LazyCommand` keeps them unimported).
    :ivar web: the reference deployment's ``WebContribution`` objects.
    :ivar demo: ``demo(uow, demo)`` adding demo data.
    :ivar on_events: ``on_events(uow, events)`` inside the unit of work.
    :ivar events_committed: ``events_committed(commons, events)`` after commit.
    :ivar converter: ``converter(converter)`` registering cattrs hooks.
    :ivar hookspecs: a class of hookspecs the plugin offers other plugins.
    :ivar hookimpls: a module or object whose functions marked with
        :data:`~commons_core.hookimpl` are registered with the plugin: hooks of the
        plugin's own hookspecs, or any the manifest has no part for. It is imported
        at registration, so keep it light (import inside the functions).
    :ivar requires: names of the plugins this one needs (it is refused without them).
    """

    name: str = attrs.field()
    label: Label
    package: str
    version: str | None = None
    entities: Reference = ()
    tables: Reference = ()
    permissions: Reference = ()
    roles: Reference = ()
    grants: Reference = attrs.Factory(dict)
    rules: Reference = ()
    reports: Reference = ()
    cli: Reference = ()
    web: Reference = ()
    demo: Reference = None
    on_events: Reference = None
    events_committed: Reference = None
    converter: Reference = None
    hookspecs: Reference = None
    hookimpls: Reference = None
    requires: Sequence[str] = ()

    @name.validator
    def _check_name(self, _attribute: Any, value: str) -> None:
        if not NAME.fullmatch(value):
            raise PluginError(
                value,
                "插件名应为小写字母开头的 snake_case(2–40 个字符)",
                "a plugin's name is snake_case starting with a letter (2-40 characters)",
            )

    # -- values, resolved on first use ---------------------------------------------------

    def value(self, part: str) -> Any:
        """The declared ``part`` (``"entities"`` …), its reference imported and, when it names
        a callable that is not itself the value (a handler), called. A list part may also be
        a list of references, or a reference to one item."""
        declared = getattr(self, part)
        if part in _HANDLERS or part in ("grants", "hookspecs"):
            return resolve(declared, self.package)
        if isinstance(declared, list | tuple):
            return [_made(resolve(item, self.package)) for item in declared]
        found = _made(resolve(declared, self.package))
        return list(found) if isinstance(found, list | tuple | set | frozenset) else [found]

    def folder(self, name: str) -> Path | None:
        """The package's folder ``name`` (``migrations/versions``, ``templates``), if it exists."""
        spec = importlib.util.find_spec(self.package)
        locations = list(spec.submodule_search_locations or ()) if spec else []
        for location in locations:
            path = Path(location) / name
            if path.is_dir():
                return path
        return None

    def hooks(self) -> object:
        """The pluggy plugin object implementing, for what is declared, the core's hooks."""
        made = _Hooks()
        for hook, function in _hooks_of(self).items():
            setattr(made, hook, function)
        if self.hookimpls is not None:
            extra = resolve(self.hookimpls, self.package)
            for name in dir(extra):
                function = getattr(extra, name)
                if callable(function) and hasattr(function, _IMPL_MARK):
                    setattr(made, name, function)
        return made


class _Hooks:
    """A manifest's hook implementations, as the attributes of one plugin object."""


def _made(found: Any) -> Any:
    """A function or a class named for a value gives the value when called (commands,
    themselves callable, are values)."""
    return found() if callable(found) and not isinstance(found, click.Command) else found


_IMPL_MARK = f"{PROJECT}_impl"
"""The attribute pluggy's hookimpl marker sets on a function."""

_HANDLERS = frozenset({"demo", "on_events", "events_committed", "converter"})
"""Parts whose reference names a function the core calls with arguments."""


def _hooks_of(plugin: Plugin) -> dict[str, Callable[..., Any]]:
    """The hook implementations of ``plugin``: one per declared part."""
    made: dict[str, Callable[..., Any]] = {}

    def values(part: str) -> Callable[[], Any]:
        def give() -> Any:
            return list(plugin.value(part))

        return give

    for hook, part in (
        ("commons_entities", "entities"),
        ("commons_tables", "tables"),
        ("commons_permissions", "permissions"),
        ("commons_roles", "roles"),
        ("commons_validation_rules", "rules"),
        ("commons_reports", "reports"),
        ("commons_web_pages", "web"),
    ):
        if getattr(plugin, part):
            made[hook] = hookimpl(specname=hook)(values(part))
    if plugin.grants:

        def grants() -> Mapping[str, Sequence[str]]:
            found: Mapping[str, Sequence[str]] = plugin.value("grants")
            return found

        made["commons_role_grants"] = hookimpl(specname="commons_role_grants")(grants)
    if plugin.cli:

        def commands() -> list[click.Command]:
            found = plugin.value("cli")
            return [c.bound(plugin.package) if isinstance(c, LazyCommand) else c for c in found]

        made["commons_cli_commands"] = hookimpl(specname="commons_cli_commands")(commands)
    if plugin.demo is not None:

        def demo(uow: UnitOfWork, demo: DemoContext) -> None:
            plugin.value("demo")(uow, demo)

        made["commons_demo_data"] = hookimpl(specname="commons_demo_data")(demo)
    if plugin.on_events is not None:

        def on_events(uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
            plugin.value("on_events")(uow, events)

        made["commons_on_events"] = hookimpl(specname="commons_on_events")(on_events)
    if plugin.events_committed is not None:

        def committed(commons: Commons, events: Sequence[DomainEvent]) -> None:
            plugin.value("events_committed")(commons, events)

        made["commons_events_committed"] = hookimpl(specname="commons_events_committed")(committed)
    if plugin.converter is not None:

        def converter(converter: cattrs.Converter) -> None:
            plugin.value("converter")(converter)

        made["commons_converter"] = hookimpl(specname="commons_converter")(converter)
    if plugin.hookspecs is not None:

        def add_hookspecs(host: PluginHost) -> None:
            host.add_hookspecs(plugin.value("hookspecs"))

        made["commons_add_hookspecs"] = hookimpl(specname="commons_add_hookspecs")(add_hookspecs)

    def migrations() -> list[Any]:
        from commons_core.storage.schema import MigrationBranch

        folder = plugin.folder("migrations/versions")
        return [] if folder is None else [MigrationBranch(plugin.name, folder)]

    made["commons_migration_locations"] = hookimpl(specname="commons_migration_locations")(
        migrations
    )
    return made
