"""The Citus distribution statements follow the tables' declared scopes."""

from __future__ import annotations

import re

from sqlalchemy import Column, String, Table, Uuid

from commons_core.plugins import make_plugin_host
from commons_core.services import Commons
from commons_core.storage import community_fk, community_table
from commons_core.storage.citus import COLOCATION_ANCHOR, distribution_statements
from commons_core.storage.engine import make_engine
from commons_core.storage.schema import scope_of

STATEMENT = re.compile(
    r"SELECT create_(reference|distributed)_table\('(\w+)'"
    r"(?:, 'community_id'(?:, colocate_with => '(\w+)')?)?\);"
)


def core_tables() -> list[Table]:
    return Commons(make_engine("sqlite://"), make_plugin_host(load_entry_points=False)).tables


def parsed(statements: list[str]) -> list[tuple[str, str, str | None]]:
    result = []
    for statement in statements:
        match = STATEMENT.fullmatch(statement)
        assert match, statement
        kind, table, anchor = match.groups()
        result.append((kind, table, anchor))
    return result


def test_every_table_is_distributed_by_its_scope_in_foreign_key_order() -> None:
    tables = core_tables()
    rows = parsed(distribution_statements(tables))
    by_name = {t.name: t for t in tables}
    assert {name for _, name, _ in rows} == {
        t.name for t in tables if scope_of(t) in ("reference", "community")
    }
    position = {name: i for i, (_, name, _) in enumerate(rows)}
    for kind, name, _ in rows:
        expected = "reference" if scope_of(by_name[name]) == "reference" else "distributed"
        assert kind == expected, name
        for fk in by_name[name].foreign_key_constraints:
            target = fk.referred_table.name
            if target != name:
                assert position[target] < position[name], f"{name} before {target}"
    kinds = [kind for kind, _, _ in rows]
    assert kinds == sorted(kinds, key=lambda k: k != "reference"), "reference tables first"


def test_community_tables_share_one_colocation_group() -> None:
    rows = [r for r in parsed(distribution_statements(core_tables())) if r[0] == "distributed"]
    assert rows[0] == ("distributed", COLOCATION_ANCHOR, None)
    assert all(anchor == COLOCATION_ANCHOR for _, _, anchor in rows[1:])


def test_tables_added_later_are_colocated_with_the_anchor() -> None:
    import commons_core.storage.tables  # noqa: F401 - defines household, referred to below

    added = community_table("citus_test_card", Column("household_id", Uuid), Column("no", String))
    added.append_constraint(community_fk("household_id", "household"))
    try:
        assert distribution_statements([added]) == [
            "SELECT create_distributed_table('citus_test_card', 'community_id',"
            f" colocate_with => '{COLOCATION_ANCHOR}');"
        ]
    finally:
        added.metadata.remove(added)
