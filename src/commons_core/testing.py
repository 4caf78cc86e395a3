"""A pytest plugin for testing code built on commons_core, plugins above all.

Installed with the core (entry point ``pytest11``), so its fixtures are
available in any test suite of a project that depends on ``commons-core``;
there is nothing to import or configure. A plugin's ``tests/conftest.py``
only says which plugins are under test::

    @pytest.fixture
    def commons_plugins():
        return {"love_supermarket": hooks}

Fixtures:

``commons_key_file``
    Session-wide and automatic: a key file of the test session's own, set as
    ``COMMONS_KEY_FILE`` (:mod:`commons_core.keys`), so no test touches the keys of
    the machine's user. ``commons_keys`` gives its :class:`~commons_core.keys.KeyRing`.
``commons_backend``
    ``"sqlite"``, and ``"postgres"`` too when ``COMMONS_TEST_POSTGRES_URL``
    is set: tests using the fixtures below run once per backend.
``commons_db_url``
    A fresh, empty database for this test: a SQLite file in ``tmp_path``, or
    a PostgreSQL schema of its own (dropped afterwards).
``commons_plugins``
    The plugins under test, ``{name: module}``. Override it in your
    ``conftest.py``; by default only the core's built-ins are loaded.
``commons_host``
    A fresh plugin host with the built-ins and ``commons_plugins`` only
    (installed plugins are not loaded, so other packages cannot interfere).
``commons``
    The SDK opened on ``commons_db_url`` with ``commons_host``, migrated to
    the head of every branch (core and the plugins under test).
``admin``
    The local administrator actor.
``actor_for``
    ``actor_for(role, community_id=None, *, zone_id=None, household_id=None)``
    → an actor with one role, scoped to everything, a community, or a zone or
    household in it. ``community_id`` may also be a
    :class:`~commons_core.Community`. Unknown role names are an error, so a
    typo cannot pass for a denied permission.
``demo_community``
    ``demo_community(households=40, ...)`` → a small generated community
    (households, residents, zones, staff, a clinic …) stored in ``commons``,
    returned as the :class:`~commons_core.demo.DemoContext` plugins receive
    (the community under the key ``"small"``); plugins'
    ``commons_demo_data`` hooks run on it too unless ``run_plugins=False``.
``commons_cli``
    ``commons_cli("report", "--list")`` → a :class:`click.testing.Result`:
    runs the ``commons`` command line on ``commons`` (as the local
    administrator) with exactly the plugins under test.
``commons_main``
    ``commons_main("report", "--list")`` → a :class:`CliRun` ``(code, out, err)``:
    runs ``commons`` as users do, through :func:`commons_core.cli.main`, on
    the test's database, with every installed plugin; errors come back as
    users see them (exit code, one bilingual line on stderr).

Helpers:

:func:`assert_no_schema_drift`
    Fails when the migrations do not produce exactly the tables the code
    defines (a plugin's first test).
:func:`make_small_community`
    What ``demo_community`` calls, for fixtures of your own.
:func:`assert_community_keys`
    Fails unless a plugin's tables keep the Citus key rule.
:func:`assert_branch_from_core`
    Fails unless a plugin's migrations are one branch, applied after the core's.
:func:`count_statements`
    Collects the SQL statements run inside a block (reports stay flat as data grows).
:func:`backend_params`
    The backends as pytest params, for fixtures of your own.
:func:`loaded_demo`
    The whole ``commons demo`` in a fresh database of one backend, for a
    module-scoped fixture.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

if TYPE_CHECKING:
    from click.testing import Result

    from commons_core.access import Actor
    from commons_core.demo import DemoContext
    from commons_core.keys import KeyRing
    from commons_core.plugins import PluginHost
    from commons_core.services import Commons
    from commons_core.storage import Entity

__all__ = [
    "POSTGRES_ENV",
    "CliRun",
    "assert_branch_from_core",
    "assert_community_keys",
    "assert_no_schema_drift",
    "backend_params",
    "count_statements",
    "loaded_demo",
    "make_small_community",
]

POSTGRES_ENV = "COMMONS_TEST_POSTGRES_URL"


def backend_params() -> list[Any]:
    """``["sqlite", "postgres"]`` as pytest params, PostgreSQL skipped without its URL.

    For fixtures of your own: ``@pytest.fixture(scope="module", params=backend_params())``.
    """
    postgres = pytest.param(
        "postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} not set"),
        ],
    )
    return ["sqlite", postgres]


@pytest.fixture(params=backend_params())
def commons_backend(request: pytest.FixtureRequest) -> str:
    """The database backend of this test run: ``sqlite`` or ``postgres``."""
    backend: str = request.param
    return backend


@pytest.fixture
def commons_db_url(commons_backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL for one test."""
    if commons_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'commons.db'}"
        return
    with postgres_schema(os.environ[POSTGRES_ENV]) as url:
        yield url


class postgres_schema:
    """A context manager giving a URL whose connections use a new, private schema."""

    def __init__(self, base_url: str) -> None:
        from commons_core.storage.engine import normalize_url

        self.base_url = normalize_url(base_url)
        self.schema = f"t_{uuid.uuid4().hex[:12]}"

    def __enter__(self) -> str:
        from sqlalchemy import create_engine, text

        self._engine = create_engine(self.base_url)
        with self._engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        separator = "&" if "?" in self.base_url else "?"
        return f"{self.base_url}{separator}options=-csearch_path%3D{self.schema}"

    def __exit__(self, *exc: object) -> None:
        from sqlalchemy import text

        with self._engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
        self._engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def commons_key_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A key file of the test session's own (``COMMONS_KEY_FILE`` while the tests run).

    Every SDK handle, command line run and web app of the session finds it, so a
    test never reads or creates the keys of the machine's user.
    """
    from commons_core.keys import KEY_FILE_ENV, KeyRing

    before = os.environ.get(KEY_FILE_ENV)
    path = tmp_path_factory.mktemp("commons-keys") / "keys.json"
    KeyRing.generate(path).save()
    os.environ[KEY_FILE_ENV] = str(path)
    yield path
    if before is None:
        os.environ.pop(KEY_FILE_ENV, None)
    else:
        os.environ[KEY_FILE_ENV] = before


@pytest.fixture
def commons_keys(commons_key_file: Path) -> KeyRing:
    """The test session's keys (see :func:`commons_key_file`)."""
    from commons_core.keys import KeyRing

    return KeyRing.load(commons_key_file, create=False)


@pytest.fixture
def commons_plugins() -> Mapping[str, object]:
    """The plugins under test by name. Override in your conftest.py."""
    return {}


@pytest.fixture
def commons_host(commons_plugins: Mapping[str, object]) -> PluginHost:
    """A fresh plugin host: the built-ins plus ``commons_plugins``, nothing installed."""
    from commons_core.plugins import make_plugin_host

    return make_plugin_host(load_entry_points=False, plugins=commons_plugins)


@pytest.fixture
def commons(commons_db_url: str, commons_host: PluginHost) -> Iterator[Commons]:
    """The SDK on a freshly migrated database."""
    from commons_core import open_commons

    opened = open_commons(commons_db_url, host=commons_host, upgrade=True)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def admin() -> Actor:
    """The local administrator."""
    from commons_core.access import Actor

    return Actor.local_admin()


@pytest.fixture
def actor_for(commons_host: PluginHost) -> Callable[..., Actor]:
    """A factory of actors with one role: ``actor_for("clerk", community_id)``."""
    from commons_core.access import BUILTIN_ROLES, Actor, Scope

    known = {role.name for role in (*BUILTIN_ROLES, *commons_host.roles())}

    def make(
        role: str,
        community_id: uuid.UUID | Any | None = None,
        *,
        zone_id: uuid.UUID | None = None,
        household_id: uuid.UUID | None = None,
        username: str | None = None,
    ) -> Actor:
        if role not in known:
            raise ValueError(f"unknown role {role!r}; known roles: {', '.join(sorted(known))}")
        # A Community (or anything with an id) stands for its id.
        if community_id is not None and not isinstance(community_id, uuid.UUID):
            community_id = community_id.id
        if community_id is None:
            scope = Scope.everything()
        elif household_id is not None:
            scope = Scope.household(community_id, household_id)
        elif zone_id is not None:
            scope = Scope.zone(community_id, zone_id)
        else:
            scope = Scope.community(community_id)
        return Actor(username or f"test-{role}", frozenset({role}), scope)

    return make


@pytest.fixture
def demo_community(commons: Commons, admin: Actor) -> Callable[..., DemoContext]:
    """A factory of small generated communities stored in ``commons``."""

    def make(**overrides: Any) -> DemoContext:
        return make_small_community(commons, admin, **overrides)

    return make


@pytest.fixture
def commons_cli(commons: Commons, commons_db_url: str) -> Callable[..., Result]:
    """Run the ``commons`` command line on ``commons``: ``commons_cli("report", "--list")``.

    Only the plugins under test contribute commands. Exceptions are left in
    ``result.exception`` as click's test runner does.
    """
    from click.testing import CliRunner

    from commons_core.cli.context import CliState
    from commons_core.cli.main import make_cli

    group = make_cli(commons.host)

    def invoke(*args: str, input: str | None = None) -> Result:
        state = CliState(commons_db_url, None, False, commons.host)
        return CliRunner().invoke(group, ["--db", commons_db_url, *args], obj=state, input=input)

    return invoke


class CliRun(NamedTuple):
    """One run of ``commons`` through ``main()``: its exit code and what it printed."""

    code: int
    out: str
    err: str


@pytest.fixture
def commons_main(
    commons: Commons,
    commons_db_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., CliRun]:
    """Run ``commons`` through ``main()`` on the test's database: ``commons_main("db", "check")``.

    Unlike ``commons_cli`` this is the command line exactly as users run it:
    every installed plugin is loaded from its entry point (none disabled), and
    errors are not exceptions but an exit code and one clear line on stderr.
    The database of ``commons`` is first upgraded to every installed
    plugin's head, as ``commons db upgrade`` would, so the other plugins'
    tables exist too.
    """
    # ``commons`` must migrate first: its host, opened on a database already at
    # the heads of plugins it does not know, could not find those revisions.
    del commons
    from commons_core.cli import main

    monkeypatch.setenv("COMMONS_DISABLED_PLUGINS", "")

    def run(*args: str) -> CliRun:
        capsys.readouterr()  # what fixtures printed before is not this run's
        try:
            main(["--db", commons_db_url, *args])
            code = 0
        except SystemExit as stop:
            code = int(stop.code or 0)
        printed = capsys.readouterr()
        return CliRun(code, printed.out, printed.err)

    upgraded = run("db", "upgrade")
    assert upgraded.code == 0, upgraded.err
    return run


def assert_no_schema_drift(commons: Commons) -> None:
    """Fail, listing the differences, unless the database matches the tables exactly.

    After ``commons`` has migrated the database, this proves that the
    plugins' migrations create exactly what their ``tables.py`` defines.
    """
    from commons_core.storage.migrate import schema_drift

    drift = schema_drift(commons.engine, commons.tables)
    assert not drift, "the migrations differ from the tables:\n" + "\n".join(map(str, drift))


def assert_community_keys(entities: Iterable[Entity], prefix: str) -> None:
    """Fail unless every table of ``entities`` keeps the Citus key rule.

    Each is named ``<prefix>_…`` and community-scoped, with ``community_id``
    first in its primary key and in every foreign key to a community-scoped table.
    """
    # Foreign keys to the core's tables resolve only once those are on the metadata.
    import commons_core.storage.tables  # noqa: F401

    for entity in entities:
        table = entity.table
        assert table.name.startswith(f"{prefix}_"), table.name
        assert table.info.get("scope") == "community", table.name
        assert next(c.name for c in table.primary_key.columns) == "community_id", table.name
        for fk in table.foreign_key_constraints:
            if fk.referred_table.info.get("scope") == "community":
                assert fk.column_keys[0] == "community_id", (table.name, fk.column_keys)


def assert_branch_from_core(migrations: Path, label: str) -> None:
    """Fail unless the revisions in ``migrations`` start one branch, ``label``, after the core.

    The branch's first revision (``down_revision = None``) must carry the
    label and depend on a revision of the core, so that the core's tables
    exist before the plugin's are created.
    """
    from commons_core.storage import CORE_BRANCH

    first = [r for r in _revisions(migrations) if r["down_revision"] is None]
    assert len(first) == 1, f"{migrations}: {len(first)} first revisions, not one"
    labels, depends = first[0]["branch_labels"], first[0]["depends_on"]
    assert labels in (label, (label,), [label]), f"branch_labels {labels!r}, not {label!r}"
    core = {r["revision"] for r in _revisions(CORE_BRANCH.path)}
    named = {depends} if isinstance(depends, str) else set(depends or ())
    assert named & core, f"depends_on {depends!r} names no revision of the core"


def _revisions(folder: Path) -> list[dict[str, Any]]:
    """The module globals of every Alembic revision file in ``folder``."""
    import runpy

    return [runpy.run_path(str(path)) for path in sorted(folder.glob("*.py"))]


@contextmanager
def count_statements(commons: Commons) -> Iterator[list[str]]:
    """The SQL statements run on ``commons`` inside the block, as they are sent."""
    from sqlalchemy import event

    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(commons.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(commons.engine, "before_cursor_execute", count)


@contextmanager
def loaded_demo(
    backend: str, directory: Path, plugins: Mapping[str, object], **load: Any
) -> Iterator[Commons]:
    """The whole demo with only ``plugins``, in a fresh database of ``backend``.

    ``backend`` is ``"sqlite"`` (a file in ``directory``) or ``"postgres"`` (a
    schema of its own at ``COMMONS_TEST_POSTGRES_URL``, dropped afterwards);
    ``load`` goes to :func:`~commons_core.demo.load_demo` (``seed``, ``today``).
    Loading takes seconds: use it in a module-scoped fixture::

        @pytest.fixture(scope="module", params=backend_params())
        def demo(request, tmp_path_factory):
            with loaded_demo(request.param, tmp_path_factory.mktemp("demo"), PLUGINS) as commons:
                yield commons
    """
    from commons_core import open_commons
    from commons_core.access import Actor
    from commons_core.demo import load_demo
    from commons_core.plugins import make_plugin_host

    with ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{directory / 'demo.db'}"
        else:
            url = stack.enter_context(postgres_schema(os.environ[POSTGRES_ENV]))
        host = make_plugin_host(load_entry_points=False, plugins=plugins)
        commons = open_commons(url, host=host, upgrade=True)
        stack.callback(commons.close)
        load_demo(commons, Actor.local_admin(), **load)
        yield commons


def make_small_community(
    commons: Commons,
    actor: Actor,
    *,
    seed: int = 7,
    today: date | None = None,
    run_plugins: bool = True,
    **overrides: Any,
) -> DemoContext:
    """Generate and store one small community; ``overrides`` change its spec.

    Returns the :class:`~commons_core.demo.DemoContext` plugins receive,
    with the community under the key ``"small"``.
    """
    from faker import Faker

    from commons_core.demo import DemoContext, store_community
    from commons_core.demo.figures import CommunitySpec
    from commons_core.demo.generate import generate_community

    defaults: dict[str, Any] = {
        "key": "small",
        "name": f"测试社区{seed}",
        "street_office": f"测试街道{seed}",
        "district": "朝阳区",
        "city": "北京市",
        "area_code": "110105",
        "area_km2": None,
        "founded_on": None,
        "office_area_m2": None,
        "honours": (),
        "households": 40,
        "residents": 110,
        "minority_households": 4,
        "ethnicities": _ethnicities(),
        "residents_groups": 3,
        "grid_zones": 2,
        "compounds": 2,
        "buildings": 6,
        "gated_buildings": 3,
        "party_branches": (8,),
        "floating_party_members": 1,
        "staff": 7,
        "partner_units": 3,
        "partner_agreements": 2,
        "service_points": 6,
        "floating_share": 0.2,
    }
    spec = CommunitySpec(**{**defaults, **overrides})
    today = today or date.today()
    rng = random.Random(seed)
    faker = Faker("zh_CN")
    faker.seed_instance(seed)
    data = generate_community(spec, rng, faker, today)
    context = DemoContext(
        communities={"small": data.community},
        data={"small": data},
        rng=random.Random(seed + 1),
        faker=faker,
        today=today,
        seed=seed,
    )
    with commons.unit_of_work(actor) as uow:
        store_community(uow, data)
        if run_plugins:
            commons.host.demo_data(uow, context)
    return context


def _ethnicities() -> tuple[Any, ...]:
    from commons_core.model import Ethnicity

    return (Ethnicity.HAN, Ethnicity.HUI, Ethnicity.MAN)
