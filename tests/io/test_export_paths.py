"""A CSV export the PostgreSQL server makes is, byte for byte, the one Python makes: masks,
labels, quoting, and text a spreadsheet would run as a formula neutralised alike."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String, select, type_coerce, update

from commons_core import Actor
from commons_core.demo import DemoContext
from commons_core.io import export_table, exporter
from commons_core.services import Commons
from commons_core.storage import streaming
from commons_core.storage.tables import household, resident


@pytest.fixture
def server_csv(commons: Commons, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many exports the server wrote as CSV (PostgreSQL only)."""
    with commons.engine.connect() as connection:
        if not streaming.csv_on_server(connection):
            pytest.skip("the server writes CSV on PostgreSQL (psycopg) only")
    calls: list[int] = []
    real = streaming.stream_csv

    def counted(*args: Any) -> Iterator[tuple[int, str]]:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(exporter, "stream_csv", counted)
    return calls


@pytest.fixture
def odd_community(
    commons: Commons, admin: Actor, demo_community: Callable[..., DemoContext]
) -> str:
    """A generated community, some of its records given text a CSV must quote, empty
    text beside NULLs, a landline, a code no enum knows."""
    demo = demo_community(households=40, residents=110)
    name = next(iter(demo.communities.values())).name
    with commons.engine.begin() as connection:
        ids = list(
            connection.execute(
                select(resident.c.id).where(resident.c.status == "active").order_by(resident.c.id)
            ).scalars()
        )
        homes = list(connection.execute(select(household.c.id).order_by(household.c.id)).scalars())
        odd: list[tuple[Any, Any, dict[str, Any]]] = [
            (resident, ids[0], {"name": '王"小"二', "registered_address": "a,b\nc\r\nd"}),
            (resident, ids[1], {"registered_address": "", "phone": "010-62345678"}),
            (resident, ids[2], {"ethnicity": "99", "name": " 前有空格"}),
            (household, homes[0], {"address": '文化路"1"号,\n2单元', "statuses": "low_income,x"}),
            (household, homes[1], {"address": "", "statuses": ""}),
            (household, homes[2], {"statuses": ",low_income,,hardship,"}),
            # Text a spreadsheet would run, and text beginning with the mark itself.
            (resident, ids[3], {"name": "-1+1", "registered_address": '=HYPERLINK("x","点击")'}),
            (resident, ids[4], {"phone": "+8613812345678", "registered_address": "'撇号"}),
            (resident, ids[5], {"name": "@SUM(1)", "registered_address": "\t=1,\r=2"}),
            (household, homes[3], {"address": "+86-10-1234"}),
            (household, homes[4], {"address": "\r=cmd|' /C calc'!A0"}),
        ]
        for table, key, values in odd:
            # Stored as text, past the columns' types (which would refuse an unknown code).
            stored = {table.c[k]: type_coerce(v, String) for k, v in values.items()}
            connection.execute(update(table).where(table.c.id == key).values(stored))
    return name


def _export(commons: Commons, actor: Actor, path: Path, kind: str, **options: Any) -> bytes:
    export_table(commons, actor, kind, options.pop("community"), output=path, **options)
    return path.read_bytes()


@pytest.mark.parametrize(
    ("kind", "options", "on_server"),
    [
        ("residents", {}, True),
        ("residents", {"reveal": True}, True),
        ("residents", {"columns": ["phone", "name", "ethnicity", "birth_date"]}, True),
        ("households", {"columns": ["household_no", "address", "residents_group"]}, True),
        ("households", {}, True),
        ("households", {"reveal": True}, True),
        # csv.writer quotes a lone empty field, which COPY cannot: Python's.
        ("residents", {"columns": ["registered_address"]}, False),
    ],
)
def test_the_server_csv_is_the_python_csv(
    commons: Commons,
    admin: Actor,
    server_csv: list[int],
    odd_community: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    kind: str,
    options: dict[str, Any],
    on_server: bool,
) -> None:
    made = _export(
        commons, admin, tmp_path / "server.csv", kind, community=odd_community, **options
    )
    assert server_csv == ([1] if on_server else [])
    monkeypatch.setattr(exporter, "_server_query", lambda *args: None)
    expected = _export(
        commons, admin, tmp_path / "python.csv", kind, community=odd_community, **options
    )
    assert made == expected
    assert made.count(b"\r\n") > 40
    if kind == "households" and options.get("reveal"):
        assert ",低保、困难\r\n".encode() in made
    if kind == "residents" and "columns" not in options:
        assert '"王""小""二"'.encode() in made
        assert b',"a,b\nc\r\nd",' in made
        assert b",'-1+1," in made and b",'@SUM(1)," in made
        assert ""","'=HYPERLINK(""x"",""点击"")",""".encode() in made
        assert ",''撇号,".encode() in made and b',"\'\t=1,\r=2",' in made
        assert (b",'+8613812345678," in made) is bool(options.get("reveal"))
    if kind == "households" and "columns" not in options:
        assert b",'+86-10-1234," in made and b"\"'\r=cmd|' /C calc'!A0\"" in made
