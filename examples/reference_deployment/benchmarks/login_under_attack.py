"""A legitimate login's latency alone and while 64 clients send wrong passwords in parallel.

Serves the app with uvicorn in a process of its own (one worker, argon2's production
profile) on a fresh SQLite database (or PostgreSQL with ``--postgres URL``), and logs
the clerk in through ``POST /api/v1/session`` as a browser's script would: from a new
browser, and from a returning one that holds the device cookie of an earlier login.
The attacks: 64 parallel guesses at another user name from one address, 64 addresses
each trying user names of their own (a spray no per-name or per-address count stops,
only the bound on concurrent hashing), and 64 guesses at the clerk's own name. Clients
claim their address with ``X-Forwarded-For`` (uvicorn trusts it from 127.0.0.1, as
behind nginx).

    python examples/reference_deployment/benchmarks/login_under_attack.py [--logins 10]

Prints one row per scenario and browser: the legitimate login's median, 90th
percentile and worst time over the logins that succeeded, how many were refused, and
what the attackers' requests were answered. It uses only what the app had before
issue 14 as well (``create_app``, ``WebSettings``, the session API), so the same script
measures the code before the change.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

import httpx
import uvicorn
from commons_reference import WebSettings, create_app

from commons_core import Actor, Scope, open_commons
from commons_core.plugins import make_plugin_host
from commons_core.services.users import UserService
from commons_core.testing import postgres_schema

PASSWORD = "correct-horse-42"
ATTACKERS = 64
ATTACKER = "203.0.113.1"
DEVICE_COOKIE = "commons_device"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _serve(url: str, port: int) -> None:
    """Serve the app on ``port`` (run in a process of its own: the attackers' threads must
    not share the server's interpreter)."""
    commons = open_commons(url, host=make_plugin_host(load_entry_points=False))
    uvicorn.run(
        create_app(commons, WebSettings(secret="benchmark", secure_cookies=False)),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
    )


@contextlib.contextmanager
def _server(url: str) -> Iterator[str]:
    """The app served by a child process on a fresh database at ``url``; its base URL."""
    commons = open_commons(url, host=make_plugin_host(load_entry_points=False), upgrade=True)
    with commons.unit_of_work(Actor.local_admin()) as uow:
        for name in ("clerk", "cadre"):
            UserService(uow).create(name, roles=[name], scope=Scope.everything(), password=PASSWORD)
    commons.close()
    port = _free_port()
    child = subprocess.Popen([sys.executable, __file__, "--serve", url, str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/login", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or child.poll() is not None:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        child.terminate()
        child.wait(timeout=30)


def _login(base: str, device: str | None) -> tuple[int, float, str | None]:
    """One login as the clerk by a fresh client, holding the device cookie ``device`` if
    given (a browser that logged in before): the status, the POST's seconds, and the
    device cookie the answer set (the code before issue 14 sets none)."""
    headers = {"x-forwarded-for": "192.0.2.10"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        if device:
            client.cookies.set(DEVICE_COOKIE, device)
        client.get("/login")
        token = client.cookies.get("csrftoken") or ""
        started = time.perf_counter()
        answer = client.post(
            "/api/v1/session",
            json={"username": "clerk", "password": PASSWORD},
            headers={"x-csrftoken": token},
        )
        seconds = time.perf_counter() - started
        return answer.status_code, seconds, answer.cookies.get(DEVICE_COOKIE) or device


Attacker = Callable[[int, int], tuple[str, str]]
"""``(user name, address)`` of attacker ``n``'s guess number ``tries``."""


def _attack(
    base: str, stop: threading.Event, answers: Counter[int], who: Attacker
) -> list[threading.Thread]:
    lock = threading.Lock()

    def run(n: int) -> None:
        address = who(n, 0)[1]
        with httpx.Client(base_url=base, headers={"x-forwarded-for": address}, timeout=120) as c:
            c.get("/login")
            token = c.cookies.get("csrftoken") or ""
            tries = 0
            while not stop.is_set():
                tries += 1
                status = c.post(
                    "/api/v1/session",
                    json={"username": who(n, tries)[0], "password": "wrong-guess"},
                    headers={"x-csrftoken": token},
                ).status_code
                with lock:
                    answers[status] += 1

    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(ATTACKERS)]
    for thread in threads:
        thread.start()
    return threads


def _measure(base: str, logins: int, device: str | None) -> list[float | None]:
    times: list[float | None] = []
    for _ in range(logins):
        status, seconds, _ = _login(base, device)
        times.append(seconds if status == 201 else None)
        time.sleep(0.2)
    return times


def _row(name: str, times: list[float | None], answers: Counter[int] | None) -> str:
    done = sorted(t for t in times if t is not None)
    attack = ", ".join(f"{k}: {v}" for k, v in sorted((answers or {}).items())) or "—"
    if not done:
        return f"| {name} | — | — | — | {len(times)} | {attack} |"
    p90 = done[min(len(done) - 1, round(0.9 * (len(done) - 1)))]
    refused = len(times) - len(done)
    return (
        f"| {name} | {statistics.median(done):.3f} | {p90:.3f} | {done[-1]:.3f} "
        f"| {refused} | {attack} |"
    )


def main() -> None:
    """Run the scenarios and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logins", type=int, default=10, help="legitimate logins per scenario")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server (a new schema)")
    parser.add_argument("--serve", nargs=2, metavar=("URL", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve[0], int(args.serve[1]))
        return
    with contextlib.ExitStack() as stack:
        if args.postgres:
            url = stack.enter_context(postgres_schema(args.postgres))
        else:
            url = f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/commons.db"
        base = stack.enter_context(_server(url))
        rows = [
            "| scenario | browser | median s | p90 s | worst s | refused | attackers' answers |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        device = _login(base, None)[2]  # warm up; the browser that will return
        scenarios: dict[str, Attacker | None] = {
            "alone": None,
            "64 guessing another name from one address": lambda n, tries: ("cadre", ATTACKER),
            "64 addresses spraying names": lambda n, tries: (
                f"name-{n}-{tries}",
                f"198.51.100.{n + 1}",
            ),
            "64 guessing the clerk's name from one address": lambda n, tries: ("clerk", ATTACKER),
        }
        for name, who in scenarios.items():
            stop, answers = threading.Event(), Counter[int]()
            attackers = _attack(base, stop, answers, who) if who else []
            time.sleep(2 if who else 0)  # the attack in full swing
            for browser, cookie in (("new", None), ("returning", device)):
                times = _measure(base, args.logins, cookie)
                rows.append(_row(f"{name} | {browser}", times, answers if who else None))
            stop.set()
            for attacker in attackers:
                attacker.join()
            time.sleep(1 if who else 0)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
