"""`commons serve` changes no schema and, on PostgreSQL, serves under row-level security.

Issue 14 item 7: serving as the login role ``commons db grant-login`` recommends
failed (serving upgraded, which needs DDL rights), so in practice it ran as the
owner, who can step out of the policies. These tests start the real command.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from commons_reference.testing import PASSWORD, add_users, login
from sqlalchemy import text

from commons_core.services import Commons

COMMONS = str(Path(sys.executable).with_name("commons"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMONS, "--db", url, *args], capture_output=True, text=True, timeout=120, check=False
    )


def _upgrade(commons: Commons) -> str:
    """Upgrade as the owner, with every installed plugin (as `commons serve` loads them)."""
    owner = commons.engine.url.render_as_string(hide_password=False)
    done = _run(owner, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    return owner


class Served:
    """A `commons serve` process and the base URL it answers on."""

    def __init__(self, url: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [COMMONS, "--db", url, "serve", "--port", str(self.port), "--insecure-cookies"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read() if self.process.stdout else ""
                raise AssertionError(f"serve stopped: {output}")
            try:
                httpx.get(f"{self.base}/login", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError("serve did not start listening")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def login_url(commons: Commons, commons_backend: str) -> Iterator[str]:
    """The database URL of a login made by `commons db grant-login` (PostgreSQL)."""
    if commons_backend != "postgres":
        pytest.skip("logins and row-level security are PostgreSQL's")
    role = f"t_web_{uuid.uuid4().hex[:10]}"
    done = _run(_upgrade(commons), "db", "grant-login", role, "--password", "pw-not-used")
    assert done.returncode == 0, done.stderr
    yield commons.engine.url.set(username=role).render_as_string(hide_password=False)
    with commons.engine.begin() as conn:
        conn.execute(text(f"DROP ROLE {role}"))


def test_serving_as_the_login_role_works_under_row_security(
    commons: Commons, demo_community: Any, login_url: str, cheap_hashing: None
) -> None:
    demo = demo_community()
    add_users(commons, demo, "small")
    data = demo.data["small"]
    served = Served(login_url)
    try:
        with httpx.Client(base_url=served.base) as client:
            assert login(client, "grid-worker", PASSWORD).status_code == 201
            answer = client.get(f"/api/v1/communities/{data.community.id}/households")
            assert answer.status_code == 200, answer.text
            shown = {row["household"]["id"] for row in answer.json()["items"]}
    finally:
        served.stop()
    zone = min(data.grid_zones, key=lambda z: z.number)
    assert shown and shown <= {str(h.id) for h in data.households if h.grid_zone_id == zone.id}


def test_serving_as_the_owner_is_refused_without_allow_owner(
    commons: Commons, commons_backend: str
) -> None:
    if commons_backend != "postgres":
        pytest.skip("owners and row-level security are PostgreSQL's")
    done = _run(_upgrade(commons), "serve", "--port", str(_free_port()))
    assert done.returncode != 0
    assert "row-level security" in done.stderr and "superuser" in done.stderr
    assert "Traceback" not in done.stderr


def test_serving_a_database_that_is_not_upgraded_is_refused(tmp_path: Path) -> None:
    done = _run(f"sqlite:///{tmp_path / 'new.db'}", "serve", "--port", str(_free_port()))
    assert done.returncode != 0
    assert "commons db upgrade" in done.stderr and "Traceback" not in done.stderr
