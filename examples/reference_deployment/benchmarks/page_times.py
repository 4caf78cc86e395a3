"""Server-side load times of the overview and the household list on the full demo.

Loads the demo into a fresh SQLite file (or into ``--db URL``, unless it holds the
demo already), logs in as ``cadre`` and ``grid-worker`` and times 20 requests of each page
through the ASGI app in process (no network), printing the median and the spread::

    python examples/reference_deployment/benchmarks/page_times.py [--db URL] [--runs 20]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import statistics
import tempfile
import time
from pathlib import Path

from argon2 import PasswordHasher, profiles
from commons_reference import WebSettings, create_app
from litestar.testing import TestClient

from commons_core import Actor, Community, open_commons
from commons_core.demo import DemoAlreadyLoaded, load_demo
from commons_core.services import users
from commons_core.services.users import UserService

PASSWORD = "benchmark-password"


def main() -> None:
    """Print a table of median page times per user and page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a new SQLite file)")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    # Litestar's logging set-up would print every in-process request httpx makes.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Logins are not what is measured: a cheap hash keeps the set-up short.
    users._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    with tempfile.TemporaryDirectory() as scratch:
        url = args.db or f"sqlite:///{Path(scratch) / 'bench.db'}"
        commons = open_commons(url, upgrade=True)
        with contextlib.suppress(DemoAlreadyLoaded):
            load_demo(commons, Actor.local_admin())
        with commons.unit_of_work(Actor.local_admin()) as uow:
            wenhualu = next(c for c in uow.repo(Community).find() if c.name == "文化路社区")
            service = UserService(uow)
            for name in ("cadre", "grid-worker"):
                account = service.get(name)
                service.create(
                    f"bench-{name}", roles=account.roles, scope=account.scope, password=PASSWORD
                )
        app = create_app(commons, WebSettings(secret="benchmark"))
        pages = {
            "overview": f"/c/{wenhualu.id}/",
            "households (page 1)": f"/c/{wenhualu.id}/households",
            "households (page 20)": f"/c/{wenhualu.id}/households?page=20",
            "households (search)": f"/c/{wenhualu.id}/households?q=%E7%8E%8B",
        }
        print(f"database: {commons.engine.dialect.name}; {args.runs} requests per row, server-side")
        print(f"{'user':<12} {'page':<22} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
        for name in ("cadre", "grid-worker"):
            with TestClient(app, base_url="https://bench.local") as client:
                client.get("/login")
                client.post(
                    "/login",
                    data={
                        "username": f"bench-{name}",
                        "password": PASSWORD,
                        "_csrf_token": client.cookies.get("csrftoken"),
                    },
                )
                for label, path in pages.items():
                    assert client.get(path).status_code == 200, path  # warm up
                    times = []
                    for _ in range(args.runs):
                        started = time.perf_counter()
                        response = client.get(path)
                        times.append((time.perf_counter() - started) * 1000)
                        assert response.status_code == 200
                    print(
                        f"{name:<12} {label:<22} {statistics.median(times):>10.1f}"
                        f" {min(times):>8.1f} {max(times):>8.1f}"
                    )
        commons.close()


if __name__ == "__main__":
    main()
