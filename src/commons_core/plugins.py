"""The plugin host: finds plugins, checks them, and calls their hooks with types.

:func:`make_plugin_host` adds the hookspecs, registers the built-in plugins,
then loads every entry point of the group ``commons_core``, each in its own
``try`` so one broken plugin cannot take the others down. Broken and disabled
plugins stay listed in :attr:`PluginHost.plugins` with the reason.

Environment:

``COMMONS_DISABLED_PLUGINS``
    Comma-separated plugin names not to load (a built-in building block too).
``COMMONS_TRACE_PLUGINS``
    When set, every hook call is traced to stderr.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any, Literal

import attrs
import pluggy

from commons_core.errors import PluginError
from commons_core.hookspecs import PROJECT, CommonsSpecs
from commons_core.plugin import Plugin

if TYPE_CHECKING:
    import cattrs
    import click
    from sqlalchemy import Table

    from commons_core.access import Permission, Role
    from commons_core.demo import DemoContext
    from commons_core.model import DomainEvent
    from commons_core.reports import Report
    from commons_core.services import Commons, UnitOfWork
    from commons_core.storage import Entity, MigrationBranch
    from commons_core.validation import Rule

__all__ = ["PluginHost", "PluginInfo", "make_plugin_host"]

ENTRY_POINT_GROUP = PROJECT
CORE_PREFIX = "commons_"

Status = Literal["ok", "broken", "disabled"]


@attrs.frozen
class PluginInfo:
    """What ``commons plugins`` shows for one plugin."""

    name: str
    package: str | None
    version: str | None
    hooks: tuple[str, ...]
    status: Status
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The JSON object of ``commons plugins --json``."""
        data: dict[str, Any] = {
            "name": self.name,
            "package": self.package,
            "version": self.version,
            "hooks": list(self.hooks),
            "status": self.status,
        }
        if self.reason is not None:
            data["reason"] = self.reason
        return data


class PluginHost:
    """A pluggy plugin manager behind typed methods, one per hook.

    Create one with :func:`make_plugin_host`; tests create a fresh one each
    time, so nothing leaks between them.
    """

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(CommonsSpecs)
        self._info: dict[str, PluginInfo] = {}
        self.manifests: dict[str, Plugin] = {}
        """The plugins registered by their manifest (:class:`~commons_core.plugin.Plugin`)."""
        self._checked = False
        if os.environ.get("COMMONS_TRACE_PLUGINS"):
            self.pm.trace.root.setwriter(sys.stderr.write)
            self.pm.enable_tracing()
        # Historic: every plugin registered from now on receives it at registration.
        self.pm.hook.commons_add_hookspecs.call_historic(kwargs={"host": self})

    # -- registration -----------------------------------------------------

    def register(
        self,
        plugin: object,
        name: str,
        *,
        package: str | None = None,
        version: str | None = None,
    ) -> None:
        """Register ``plugin`` (a module or object with hook implementations) as ``name``.

        Raises :class:`~commons_core.errors.PluginError` when the name is
        taken or the plugin implements a ``commons_*`` hook that does not exist.
        """
        if name in self._info and self._info[name].status == "ok":
            raise PluginError(name, "名称已被占用", "a plugin of this name is already registered")
        manifest = plugin if isinstance(plugin, Plugin) else None
        if manifest is not None:
            if manifest.name != name:
                raise PluginError(
                    name,
                    f"入口点名称 {name} 与插件声明的名称 {manifest.name} 不一致",
                    f"the entry point {name} names a plugin declared as {manifest.name}",
                )
            version = manifest.version or version
            plugin = manifest.hooks()
        try:
            self.pm.register(plugin, name=name)
        except pluggy.PluginValidationError as error:
            raise PluginError(name, f"钩子实现无效:{error}", f"invalid hook: {error}") from None
        except PluginError:
            self._unregister_quietly(plugin)
            raise
        except Exception as error:
            self._unregister_quietly(plugin)
            raise PluginError(
                name,
                f"注册时出错:{type(error).__name__}: {error}",
                f"failed while registering: {type(error).__name__}: {error}",
            ) from error
        unknown = [
            h for h in self._hooks_of(plugin) if h.startswith(CORE_PREFIX) and not self._known(h)
        ]
        if unknown:
            self.pm.unregister(plugin)
            raise _unknown_hook_error(name, unknown[0], self.hook_names())
        self._name_errors(name, plugin)
        if manifest is not None:
            self.manifests[name] = manifest
        self._info[name] = PluginInfo(
            name=name,
            package=package,
            version=version,
            hooks=tuple(sorted(self._hooks_of(plugin))),
            status="ok",
        )

    def _name_errors(self, name: str, plugin: object) -> None:
        """Make every hook implementation of ``plugin`` name it when it fails.

        Hooks are called through pluggy (wrappers, ``firstresult`` and tracing
        work); an exception inside one becomes
        :class:`~commons_core.errors.PluginError` naming the plugin and the hook
        (the original chained), unless it already is one.
        """
        for caller in self.pm.get_hookcallers(plugin) or ():
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin and not (impl.hookwrapper or impl.wrapper):
                    # HookImpl is slotted and its attribute typed Final: set it as pluggy would.
                    object.__setattr__(impl, "function", _naming(name, caller.name, impl.function))

    def add_hookspecs(self, specs: type) -> None:
        """Add a plugin's own hookspecs (call from ``commons_add_hookspecs``)."""
        for attr in dir(specs):
            if attr.startswith(CORE_PREFIX) and attr not in self.hook_names():
                raise PluginError(
                    getattr(specs, "__module__", str(specs)),
                    f"插件自定义的钩子 {attr} 不能以 commons_ 开头",
                    f"hooks a plugin defines must not start with commons_: {attr}",
                )
        self.pm.add_hookspecs(specs)

    def load_entry_points(self, disabled: Iterable[str] = ()) -> None:
        """Load every plugin of the ``commons_core`` entry-point group.

        A plugin that fails to import, or implements an unknown hook, is
        recorded as broken with the reason; the others still load.
        """
        skip = set(disabled)
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            package, version = _distribution(ep)
            if ep.name in skip:
                self._mark(ep.name, package, version, "disabled", "disabled by configuration")
                continue
            try:
                plugin = ep.load()
            except Exception as error:
                reason = (
                    f"failed to import {ep.value} from package {package or '?'}:"
                    f" {type(error).__name__}: {error}"
                )
                self._mark(ep.name, package, version, "broken", reason)
                continue
            try:
                self.register(plugin, ep.name, package=package, version=version)
            except PluginError as error:
                self._mark(ep.name, package, version, "broken", error.en)

    def check_pending(self) -> None:
        """Unregister, and mark broken, plugins implementing hooks nobody specified.

        Run after every plugin is registered: hooks of other prefixes may be
        specified by a plugin registered later.
        """
        for name, info in list(self._info.items()):
            plugin = self.pm.get_plugin(name)
            if info.status != "ok" or plugin is None:
                continue
            unknown = [h for h in self._hooks_of(plugin) if not self._known(h)]
            if unknown:
                error = _unknown_hook_error(name, unknown[0], self.hook_names())
                self._refuse(name, error.en)
        for name, manifest in list(self.manifests.items()):
            missing = [r for r in manifest.requires if not self._ok(r)]
            if missing and self._ok(name):
                self._refuse(name, f"requires the plugin(s) {', '.join(missing)}, not loaded")

    def _ok(self, name: str) -> bool:
        info = self._info.get(name)
        return info is not None and info.status == "ok"

    def _refuse(self, name: str, reason: str) -> None:
        """Unregister plugin ``name`` and list it as broken for ``reason``."""
        plugin = self.pm.get_plugin(name)
        if plugin is not None:
            self.pm.unregister(plugin)
        self.manifests.pop(name, None)
        self._info[name] = attrs.evolve(self._info[name], status="broken", reason=reason)

    @property
    def plugins(self) -> list[PluginInfo]:
        """Every plugin seen, loaded or not, in load order."""
        return list(self._info.values())

    def hook_names(self) -> list[str]:
        """The names of every specified hook."""
        return sorted(n for n in dir(self.pm.hook) if self._known(n))

    def _known(self, hook_name: str) -> bool:
        caller = getattr(self.pm.hook, hook_name, None)
        return isinstance(caller, pluggy.HookCaller) and caller.has_spec()

    def _hooks_of(self, plugin: object) -> list[str]:
        return [c.name for c in self.pm.get_hookcallers(plugin) or ()]

    def _unregister_quietly(self, plugin: object) -> None:
        if self.pm.is_registered(plugin):
            self.pm.unregister(plugin)

    def _mark(
        self, name: str, package: str | None, version: str | None, status: Status, reason: str
    ) -> None:
        self._info[name] = PluginInfo(name, package, version, (), status, reason)

    # -- calling hooks ------------------------------------------------------

    def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call ``hook_name`` through pluggy once per plugin implementing it, in pluggy's order.

        Returns ``(plugin name, result)`` pairs (``None`` for a plugin that returned
        nothing), for the callers that must say which plugin gave what. An exception
        inside a plugin is :class:`~commons_core.errors.PluginError` naming it.
        """
        caller: pluggy.HookCaller = getattr(self.pm.hook, hook_name)
        impls = [i for i in reversed(caller.get_hookimpls()) if not (i.hookwrapper or i.wrapper)]
        first = bool(caller.spec and caller.spec.opts.get("firstresult"))
        results: list[tuple[str, Any]] = []
        for impl in impls:
            # The plugin manager's own executor (traced, as every call through pluggy is),
            # given one implementation: subset_hook_caller would need hashable plugins.
            found: Any = self.pm._hookexec(hook_name, [impl], kwargs, first)
            results.append((impl.plugin_name, found if first else found[0] if found else None))
        return results

    def _collect(self, hook_name: str, **kwargs: Any) -> list[Any]:
        items: list[Any] = []
        for result in getattr(self.pm.hook, hook_name)(**kwargs):
            if result is not None:
                items.extend(result)
        return items

    def _checked_once(self) -> None:
        """Refuse, once, plugins that declare what another plugin declares already."""
        if not self._checked:
            self._checked = True
            from commons_core.plugin_checks import declared_twice

            for name, reason in declared_twice(self):
                self._refuse(name, reason)

    def entities(self) -> list[Entity]:
        """Every entity of core and plugins."""
        self._checked_once()
        return self._collect("commons_entities")

    def tables(self) -> list[Table]:
        """Every extra (non-entity) table of core and plugins."""
        self._checked_once()
        return self._collect("commons_tables")

    def configure_converter(self, converter: cattrs.Converter) -> None:
        """Let every plugin register its converter hooks."""
        self.pm.hook.commons_converter(converter=converter)

    def validation_rules(self) -> list[Rule]:
        """Every rule of core and plugins."""
        return self._collect("commons_validation_rules")

    def permissions(self) -> list[Permission]:
        """Every declared permission."""
        self._checked_once()
        return self._collect("commons_permissions")

    def roles(self) -> list[Role]:
        """Every contributed role."""
        return self._collect("commons_roles")

    def role_grants(self) -> list[tuple[str, Mapping[str, Sequence[str]]]]:
        """Every plugin's grants to roles, with the plugin's name."""
        return [(p, r) for p, r in self.call_each("commons_role_grants") if r]

    def on_events(self, uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
        """Deliver a batch of events inside the unit of work."""
        self.pm.hook.commons_on_events(uow=uow, events=events)

    def wants_committed_events(self) -> bool:
        """Whether any plugin implements ``commons_events_committed``.

        When none does, units of work need not keep their events until commit
        (an import of 10^6 rows would otherwise hold 10^6 events in memory).
        """
        return bool(self.pm.hook.commons_events_committed.get_hookimpls())

    def events_committed(self, commons: Commons, events: Sequence[DomainEvent]) -> None:
        """Deliver a committed unit of work's events."""
        self.pm.hook.commons_events_committed(commons=commons, events=events)

    def reports(self) -> dict[str, Report]:
        """Every report by name (a plugin declaring a name taken already is refused)."""
        self._checked_once()
        return {report.name: report for report in self._collect("commons_reports")}

    def cli_commands(self) -> list[click.Command]:
        """Every contributed command line command."""
        return self._collect("commons_cli_commands")

    def demo_data(self, uow: UnitOfWork, demo: DemoContext) -> None:
        """Let every plugin add its demo data."""
        self.pm.hook.commons_demo_data(uow=uow, demo=demo)

    def migration_locations(self) -> list[MigrationBranch]:
        """Every Alembic branch of core and plugins."""
        return self._collect("commons_migration_locations")

    def web_pages(self) -> list[object]:
        """Every contributed web page or route."""
        return self._collect("commons_web_pages")


def make_plugin_host(
    *,
    load_entry_points: bool = True,
    plugins: Mapping[str, object] | None = None,
    disabled: Iterable[str] | None = None,
) -> PluginHost:
    """A host with the built-in plugins, the installed plugins and ``plugins``.

    :param load_entry_points: load installed plugins (group ``commons_core``).
    :param plugins: extra plugins to register, by name (tests use this).
    :param disabled: names not to load; defaults to ``COMMONS_DISABLED_PLUGINS``.
    """
    from commons_core.builtin import BUILTIN_PLUGINS

    host = PluginHost()
    if disabled is None:
        env = os.environ.get("COMMONS_DISABLED_PLUGINS", "")
        disabled = [n.strip() for n in env.split(",") if n.strip()]
    disabled = list(disabled)
    for name, plugin in BUILTIN_PLUGINS.items():
        # A building block a deployment does not use can be left out; the core cannot.
        if name == "commons_core" or name not in disabled:
            host.register(plugin, name, package="commons-core", version=_core_version())
    if load_entry_points:
        host.load_entry_points(disabled)
    for name, extra in (plugins or {}).items():
        host.register(extra, name)
    host.check_pending()
    return host


def _distribution(ep: EntryPoint) -> tuple[str | None, str | None]:
    dist = ep.dist
    if dist is None:
        return None, None
    return dist.name, dist.version


def _core_version() -> str:
    from commons_core import __version__

    return __version__


def _unknown_hook_error(plugin: str, hook: str, known: Sequence[str]) -> PluginError:
    guess = difflib.get_close_matches(hook, known, n=1)
    hint_zh = f";是否想用 {guess[0]}?" if guess else ""
    hint_en = f"; did you mean {guess[0]}?" if guess else ""
    return PluginError(plugin, f"未知的钩子 {hook}{hint_zh}", f"unknown hook {hook}{hint_en}")


def _naming(plugin: str, hook: str, function: Any) -> Any:
    """``function`` raising :class:`~commons_core.errors.PluginError` naming ``plugin``."""

    def call(*args: Any) -> Any:
        try:
            return function(*args)
        except PluginError:
            raise
        except Exception as error:
            raise PluginError(
                plugin,
                f"钩子 {hook} 出错:{type(error).__name__}: {error}",
                f"hook {hook} failed: {type(error).__name__}: {error}",
            ) from error

    return call
