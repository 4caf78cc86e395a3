"""Row-level security against SQL run inside a unit of work (issue 14, items 5-7).

Every attack runs as an application would be attacked: SQL injected into a unit
of work of a grid worker, on a connection of a login role made the way
production makes it (a member of ``commons_app`` that owns nothing), so that
``RESET ROLE`` gives the attacker nothing either.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest
from sqlalchemy import TextClause, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from commons_core import Actor, open_commons
from commons_core.demo import store_community
from commons_core.demo.generate import CommunityData
from commons_core.services import Commons
from commons_core.storage.internal import internal
from commons_core.storage.row_security import APP_ROLE

from .samples import small_community


def injected(statement: str) -> TextClause:
    """SQL that got past the SDK's query guard, as SQL injected into one of the SDK's own
    statements would: only the database stands in its way."""
    return internal(text(statement))


@pytest.fixture
def stored(commons: Commons, admin: Actor, commons_backend: str) -> CommunityData:
    if commons_backend != "postgres":
        pytest.skip("row-level security is a PostgreSQL feature")
    data = small_community()
    with commons.unit_of_work(admin) as uow:
        store_community(uow, data)
    return data


@pytest.fixture
def app(commons: Commons, stored: CommunityData) -> Iterator[Commons]:
    """The SDK connected as a production login: a member of commons_app owning nothing."""
    role = f"t_login_{uuid.uuid4().hex[:10]}"
    with commons.engine.begin() as conn:
        conn.execute(injected(f"CREATE ROLE {role} LOGIN IN ROLE {APP_ROLE}"))
    url = commons.engine.url.set(username=role).render_as_string(hide_password=False)
    opened = open_commons(url, host=commons.host, keys=commons.keys)
    try:
        yield opened
    finally:
        opened.close()
        with commons.engine.begin() as conn:
            conn.execute(injected(f"DROP ROLE {role}"))


def zone_of(data: CommunityData, number: int = 1) -> tuple[uuid.UUID, set[uuid.UUID]]:
    zone = next(z for z in data.grid_zones if z.number == number)
    return zone.id, {h.id for h in data.households if h.grid_zone_id == zone.id}


def worker(data: CommunityData, actor_for: Any) -> Actor:
    zone, _ = zone_of(data)
    return actor_for("grid_worker", data.community.id, zone_id=zone)


def households_seen(uow: Any, where: str = "") -> set[uuid.UUID]:
    return set(uow.connection.execute(injected(f"SELECT id FROM household {where}")).scalars())


FORGERIES = [
    "SELECT set_config('commons.community_ids', '*', true)",
    "SELECT set_config('commons.zone_id', '', true)",
    "SET LOCAL commons.community_ids = '*'",
    "RESET ROLE",
    "SET LOCAL ROLE NONE",
]


@pytest.mark.parametrize("forgery", FORGERIES)
def test_sql_in_a_unit_of_work_cannot_widen_its_scope(
    app: Commons, stored: CommunityData, actor_for: Any, forgery: str
) -> None:
    _, mine = zone_of(stored)
    assert 0 < len(mine) < len(stored.households)
    with app.unit_of_work(worker(stored, actor_for), readonly=True) as uow:
        assert households_seen(uow) == mine
        uow.connection.execute(injected(forgery))
        seen = households_seen(uow)
        people = uow.connection.execute(injected("SELECT count(*) FROM resident")).scalar_one()
    # A forged setting makes every check fail (nothing at all); stepping out of the role
    # leaves the login, a member of the role, under the same policies.
    assert seen <= mine
    assert people <= sum(1 for r in stored.residents if r.household_id in mine)
    # A cadre of another community, forging their way into this one.
    with app.unit_of_work(actor_for("cadre", uuid.uuid4()), readonly=True) as uow:
        uow.connection.execute(injected(forgery))
        assert households_seen(uow) == set()
        assert uow.connection.execute(injected("SELECT count(*) FROM audit_entry")).scalar() == 0


@pytest.mark.parametrize(
    "statement",
    [
        # The forgery inside the very statement that reads, in either order of evaluation.
        "SELECT id FROM household"
        " WHERE (SELECT set_config('commons.community_ids', '*', true)) IS NOT NULL",
        "SELECT h.id FROM (SELECT set_config('commons.community_ids', '*', true)) s, household h",
        "SELECT h.id FROM household h, (SELECT set_config('commons.zone_id', '', true)) s",
        "WITH f AS MATERIALIZED (SELECT set_config('commons.zone_id', '', true))"
        " SELECT h.id FROM f, household h",
    ],
)
def test_a_forgery_inside_one_statement_widens_nothing(
    app: Commons, stored: CommunityData, actor_for: Any, statement: str
) -> None:
    _, mine = zone_of(stored)
    with app.unit_of_work(worker(stored, actor_for), readonly=True) as uow:
        seen = set(uow.connection.execute(injected(statement)).scalars())
        again = households_seen(uow)
    assert seen <= mine
    assert again <= mine


def test_a_token_is_worth_nothing_outside_its_transaction(
    app: Commons, stored: CommunityData, admin: Actor, actor_for: Any
) -> None:
    """An administrator's settings, token included (as pg_stat_activity or a log could
    show them), replayed in a grid worker's transaction, on the same or another connection."""
    names = ("community_ids", "zone_id", "household_id", "actor", "scope_key", "scope_token")
    with app.unit_of_work(admin, readonly=True) as uow:
        stolen = {
            n: uow.connection.execute(
                injected(f"SELECT current_setting('commons.{n}')")
            ).scalar_one()
            for n in names
        }
        assert len(households_seen(uow)) == len(stored.households)
    for _ in range(3):  # the pool hands back the administrator's connection at least once
        with app.unit_of_work(worker(stored, actor_for), readonly=True) as uow:
            for name, value in stolen.items():
                uow.connection.execute(
                    injected("SELECT set_config(:n, :v, true)"),
                    {"n": f"commons.{name}", "v": value},
                )
            assert households_seen(uow) == set()


def test_a_token_signed_with_another_key_is_refused(
    app: Commons, stored: CommunityData, actor_for: Any
) -> None:
    with app.unit_of_work(worker(stored, actor_for), readonly=True) as uow:
        binding = uow.connection.execute(
            injected(
                "SELECT pg_backend_pid()::text || ':' ||"
                " (extract(epoch FROM transaction_timestamp()) * 1000000)::bigint::text"
            )
        ).scalar_one()
        actor = uow.connection.execute(injected("SELECT current_setting('commons.actor')")).scalar()
        message = "|".join(("v1", binding, "*", "", "", actor))
        forged = hmac.new(b"x" * 32, message.encode(), hashlib.sha256).hexdigest()
        for name, value in (("community_ids", "*"), ("zone_id", ""), ("scope_token", forged)):
            uow.connection.execute(
                injected("SELECT set_config(:n, :v, true)"), {"n": f"commons.{name}", "v": value}
            )
        assert households_seen(uow) == set()


def test_the_key_and_the_owner_are_out_of_reach(
    app: Commons, commons: Commons, stored: CommunityData, actor_for: Any
) -> None:
    owner = commons.engine.url.username
    for statement in (
        "SELECT * FROM commons_scope_key",
        f"SET ROLE {owner}",
        "UPDATE audit_head SET seq = 0",
        "DELETE FROM audit_head",
        "INSERT INTO audit_head VALUES ('00000000-0000-0000-0000-000000000001', 0, 'x')",
        "INSERT INTO audit_entry (community_id, seq, at, actor, action, entity, key, changes,"
        " prev_hash, hash) VALUES (gen_random_uuid(), 1, now(), 'm', 'x', 'x', 'x', '{}', 'x',"
        " 'x')",
        "UPDATE audit_entry SET actor = 'mallory'",
        "DELETE FROM audit_entry",
        "TRUNCATE audit_entry",
    ):
        with (
            pytest.raises(DBAPIError, match="permission denied"),
            app.unit_of_work(Actor.local_admin()) as uow,
        ):
            uow.connection.execute(injected(statement))


APPEND = (
    "SELECT commons_audit_append(:c, :first, :seqs, :ats, :t, :t, :t, :t, :changes, :prevs,"
    " :hashes, :t, :u, :u, :u)"
)


def test_the_trail_is_written_only_forward_over_a_real_chain(
    app: Commons, stored: CommunityData, admin: Actor
) -> None:
    """The app role's one way to write the trail refuses rewinding, gaps and broken links."""
    community = stored.community.id
    with app.unit_of_work(admin, readonly=True) as uow:
        seq, digest = uow.connection.execute(
            injected("SELECT seq, hash FROM audit_head WHERE community_id = :c"), {"c": community}
        ).one()
    now = datetime.now(UTC)

    def attempt(first: int, seqs: list[int], prevs: list[str]) -> dict[str, Any]:
        n = len(seqs)
        return {
            "c": community,
            "first": first,
            "seqs": seqs,
            "ats": [now] * n,
            "t": ["x"] * n,
            "changes": ["{}"] * n,
            "prevs": prevs,
            "hashes": ["f" * 64] * n,
            "u": [None] * n,
        }

    attempts = [
        attempt(1, [2], ["x"]),  # rewind: the head is not at entry 1
        attempt(seq, [seq + 5], [digest]),  # a gap
        attempt(seq, [seq + 1], ["0" * 64]),  # a broken link
        attempt(seq, [seq + 1, seq + 2], [digest, "0" * 64]),  # a broken link further on
        attempt(seq, [], []),  # nothing, to move nothing
    ]
    for params in attempts:
        with pytest.raises(DBAPIError), app.unit_of_work(admin) as uow:
            uow.connection.execute(
                injected("SELECT * FROM commons_audit_lock(:c)"), {"c": community}
            )
            uow.connection.execute(injected(APPEND), params)
    with app.unit_of_work(admin, readonly=True) as uow:
        after = uow.connection.execute(
            injected("SELECT seq, hash FROM audit_head WHERE community_id = :c"), {"c": community}
        ).one()
    assert tuple(after) == (seq, digest)


def test_an_entry_planted_beyond_the_head_cannot_block_a_community(
    app: Commons, stored: CommunityData, admin: Actor, actor_for: Any
) -> None:
    """The app role cannot insert into the trail, so it cannot plant the next entry."""
    community = stored.community.id
    with pytest.raises(DBAPIError, match="permission denied"), app.unit_of_work(admin) as uow:
        uow.connection.execute(
            injected(
                "INSERT INTO audit_entry (community_id, seq, at, actor, action, entity, key,"
                " changes, prev_hash, hash) SELECT community_id, seq + 1, now(), 'm', 'x', 'x',"
                " 'x', '{}', hash, hash FROM audit_head WHERE community_id = :c"
            ),
            {"c": community},
        )
    cadre = actor_for("cadre", community)
    with app.unit_of_work(cadre) as uow:  # writes in the community still work
        household = uow.households.find(limit=1)[0]
        uow.households.update(attrs.evolve(household, room="808"))


def test_a_grid_workers_sql_reads_the_trail_of_their_zone_only(
    app: Commons, stored: CommunityData, actor_for: Any
) -> None:
    _, mine = zone_of(stored)
    residents = {r.id for r in stored.residents if r.household_id in mine}
    with app.unit_of_work(worker(stored, actor_for), readonly=True) as uow:
        rows = uow.connection.execute(
            injected("SELECT entity, household_id, resident_id FROM audit_entry")
        ).all()
    assert rows, "the worker sees the entries about their zone"
    for entity, household, resident in rows:
        assert household in mine or resident in residents, (entity, household, resident)
    assert {"household", "resident"} <= {entity for entity, _, _ in rows}


def test_the_scope_check_runs_once_per_statement(
    app: Commons, stored: CommunityData, actor_for: Any
) -> None:
    """The functions are called in initplans (once), not in the per-row filter."""
    with app.unit_of_work(worker(stored, actor_for), readonly=True) as uow:
        plan = "\n".join(
            uow.connection.execute(injected("EXPLAIN (VERBOSE) SELECT count(*) FROM resident"))
            .scalars()
            .all()
        )
    assert "InitPlan" in plan
    filters = [line for line in plan.splitlines() if "Filter:" in line]
    assert filters and not any("commons_scope" in line for line in filters), plan


def test_the_login_role_owns_nothing_and_the_url_is_right(app: Commons) -> None:
    with app.engine.connect() as conn:
        owned = conn.execute(
            injected("SELECT count(*) FROM pg_tables WHERE tableowner = current_user")
        ).scalar_one()
    assert owned == 0
    assert make_url(str(app.engine.url)).username.startswith("t_login_")


def test_objects_planted_beside_the_tables_cannot_stand_in_for_built_ins(
    app: Commons, commons: Commons, stored: CommunityData, actor_for: Any
) -> None:
    """A login that (wrongly) may create in the schema plants encode() answering the token:
    the owner's functions use pg_catalog's own first, and serving refuses such a login."""
    from commons_core.storage.row_security import login_bypasses_row_security

    schema = commons.engine.url.query["options"].split("%3D")[-1].split("=")[-1]
    login = app.engine.url.username
    with commons.engine.begin() as conn:
        conn.execute(text(f'GRANT CREATE ON SCHEMA "{schema}" TO {login}'))
    try:
        with app.engine.connect() as conn:
            assert login_bypasses_row_security(conn) == "may create objects in the tables' schema"
        with app.unit_of_work(worker(stored, actor_for)) as uow:
            uow.connection.execute(injected("RESET ROLE"))
            uow.connection.execute(
                injected(
                    f'CREATE FUNCTION "{schema}".encode(bytea, text) RETURNS text LANGUAGE sql'
                    " AS $$ SELECT current_setting('commons.scope_token', true) $$"
                )
            )
        with app.unit_of_work(worker(stored, actor_for), readonly=True) as uow:
            uow.connection.execute(
                injected(
                    "SELECT set_config('commons.community_ids', '*', true),"
                    " set_config('commons.zone_id', '', true)"
                )
            )
            assert households_seen(uow) == set()
    finally:
        with commons.engine.begin() as conn:
            conn.execute(text(f'DROP FUNCTION IF EXISTS "{schema}".encode(bytea, text)'))
            conn.execute(text(f'REVOKE CREATE ON SCHEMA "{schema}" FROM {login}'))
