"""commons_core: one typed data model of a residents' committee's world, and a plugin system.

Start here::

    from commons_core import Actor, open_commons

    commons = open_commons("sqlite:///commons.db", upgrade=True)
    with commons.unit_of_work(Actor.local_admin()) as uow:
        for community in uow.repo(Community).find():
            print(community.name)

Plugins import what they need from this module and
:mod:`commons_core.storage`, :mod:`commons_core.reports`,
:mod:`commons_core.validation` and :mod:`commons_core.access`.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from commons_core.errors import (
    AccessDenied,
    AmbiguousReference,
    CommonsError,
    ConfigurationError,
    ConflictError,
    DuplicateError,
    FilterError,
    NotFound,
    PluginError,
    Problem,
    ReadOnlyError,
    Refused,
    UsageError,
    ValidationError,
)
from commons_core.hookspecs import hookimpl
from commons_core.keys import KeyRing
from commons_core.model import *  # noqa: F403 - the model is the public API
from commons_core.model import __all__ as _model_all

if TYPE_CHECKING:
    from pathlib import Path

    from commons_core.access import Actor, Scope
    from commons_core.plugins import PluginHost
    from commons_core.services import Commons, UnitOfWork

try:
    __version__ = version("commons-core")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [  # noqa: PLE0604 - extended with the model's names
    "AccessDenied",
    "Actor",
    "AmbiguousReference",
    "Commons",
    "CommonsError",
    "ConfigurationError",
    "ConflictError",
    "DuplicateError",
    "FilterError",
    "KeyRing",
    "NotFound",
    "PluginError",
    "Problem",
    "ReadOnlyError",
    "Refused",
    "Scope",
    "UnitOfWork",
    "UsageError",
    "ValidationError",
    "__version__",
    "hookimpl",
    "open_commons",
    *_model_all,
]


def open_commons(
    url: str | None = None,
    *,
    host: PluginHost | None = None,
    upgrade: bool = False,
    app_role: str | None = "auto",
    keys: KeyRing | Path | str | None = None,
) -> Commons:
    """Open a commons database.

    :param url: a SQLAlchemy URL; defaults to ``COMMONS_DATABASE_URL`` or
        ``sqlite:///commons.db``. ``postgresql://`` URLs use psycopg 3.
    :param host: the plugins to use; defaults to the built-ins and every installed plugin.
    :param upgrade: bring the schema to the latest migration first.
    :param app_role: on PostgreSQL, the role units of work switch to, so that
        row-level security applies (see :mod:`commons_core.storage.row_security`);
        ``"auto"`` uses ``commons_app`` when it exists, ``None`` never switches.
    :param keys: the deployment's keys (:class:`~commons_core.keys.KeyRing`) or the path
        of their file; defaults to ``COMMONS_KEY_FILE`` or ``~/.config/commons/keys.json``
        (created on first use). Every process of a deployment must use the same file.
    """
    import os

    from commons_core.plugins import make_plugin_host
    from commons_core.services import Commons
    from commons_core.storage.engine import DEFAULT_URL, make_engine

    url = url or os.environ.get("COMMONS_DATABASE_URL") or DEFAULT_URL
    ring = keys if isinstance(keys, KeyRing) else KeyRing.load(keys)
    commons = Commons(make_engine(url), host or make_plugin_host(), app_role=app_role, keys=ring)
    if upgrade:
        commons.upgrade()
    return commons


_LAZY = {
    "Actor": "commons_core.access",
    "Scope": "commons_core.access",
    "Commons": "commons_core.services",
    "UnitOfWork": "commons_core.services",
}
"""Public names imported on first use: ``commons --help`` imports none of them.

:mod:`commons_core.access` pulls in the validation (python-stdnum and phonenumbers,
about 0.1 s), :mod:`commons_core.services` SQLAlchemy, Alembic and cattrs.
"""


def __getattr__(name: str) -> object:
    """``Actor``, ``Scope``, ``Commons`` and ``UnitOfWork``, imported when first asked for."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'commons_core' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
