"""Fixtures of the browser tests: Debian's Chromium driven by Playwright against the app
serving the full demo (core and every installed plugin) from SQLite.

The demo is loaded once per test process (``scope="session"``), so test files of
each plugin's pages share it; a test that changes data should not rely on
another test's changes. Screenshots go under
``examples/reference_deployment/test-output/`` (``shot``). Skipped, with the
reason, only where Chromium or Playwright is not installed (``scripts/test.sh``
installs Chromium with apt-get).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from commons_reference import WebSettings, create_app

from commons_core import Actor, open_commons
from commons_core.demo import load_demo
from commons_core.services import Commons

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).parents[2] / "test-output"

if not CHROMIUM.exists():
    pytest.skip(
        "Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
)


@attrs.frozen
class Demo:
    """The running app and what the tests need to know about the demo."""

    url: str
    passwords: dict[str, str]
    commons: Commons
    community_id: Any


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The full demo in SQLite, served by uvicorn on a free port of 127.0.0.1."""
    import uvicorn
    from argon2 import PasswordHasher, profiles

    from commons_core.services import users

    with pytest.MonkeyPatch.context() as patch:
        # argon2's production profile takes about a second per login on this machine.
        patch.setattr(users, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
        database = tmp_path_factory.mktemp("browser") / "commons.db"
        commons = open_commons(f"sqlite:///{database}", upgrade=True)
        loaded = load_demo(commons, Actor.local_admin())
        wenhualu = next(c for c in loaded.communities if c.name == "文化路社区")
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(commons, WebSettings(secret="browser-test")),
                host="127.0.0.1",
                port=port,
                log_level="warning",
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, "the server did not start"
        SHOTS.mkdir(exist_ok=True)
        try:
            yield Demo(f"http://127.0.0.1:{port}", loaded.passwords, commons, wenhualu.id)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            commons.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless."""
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


def log_in(browser: Any, demo: Demo, username: str) -> Any:
    """A fresh browser context logged in as ``username``; returns its page.

    Close it with ``page.context.close()`` at the end of the test.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{demo.url}/")
    assert "/login" in page.url
    page.fill("#username", username)
    page.fill("#password", demo.passwords[username])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/c/[0-9a-f-]+/$"))
    assert page.locator(f"[data-user='{username}']").count() == 1
    return page


def shot(page: Any, name: str) -> None:
    """Save a full-page screenshot as ``test-output/<name>.png``."""
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
