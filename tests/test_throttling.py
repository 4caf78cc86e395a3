"""Login throttling with backoff, and the bound on concurrent password hashing.

Every attempt goes through :class:`~commons_core.services.throttling.Logins`, as the
web app's pages and API do. A counting password hasher shows what was hashed: a
blocked attempt never is. The clock is injected; nothing sleeps for a block.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher, profiles
from sqlalchemy import select

from commons_core.access import Actor, Scope
from commons_core.errors import AccessDenied
from commons_core.services import Commons, users
from commons_core.services.throttling import (
    HashingSlots,
    LoginBusy,
    Logins,
    LoginThrottled,
    ThrottlePolicy,
    throttle_keys,
)
from commons_core.services.users import UserService
from commons_core.storage.tables import login_throttle

PASSWORD = "correct-horse-42"
OFFICE = "203.0.113.7"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class CountingHasher:
    """argon2's cheapest profile, counting verifications and how many ran at once."""

    def __init__(self, pause: float = 0.0) -> None:
        self.inner = PasswordHasher.from_parameters(profiles.CHEAPEST)
        self.pause = pause
        self.verified = 0
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def hash(self, password: str) -> str:
        return self.inner.hash(password)

    def check_needs_rehash(self, hash_: str) -> bool:
        return False

    def verify(self, hash_: str, password: str) -> bool:
        with self._lock:
            self.verified += 1
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(self.pause)
            return bool(self.inner.verify(hash_, password))
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch, commons: Commons, admin: Actor) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(users, "_hasher", counting)
    with commons.unit_of_work(admin) as uow:
        for name in ("wang", "li"):
            UserService(uow).create(
                name, roles=["reader"], scope=Scope.everything(), password=PASSWORD
            )
    counting.verified = 0
    return counting


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def logins(commons: Commons, clock: Clock) -> Logins:
    return Logins(commons, ThrottlePolicy(), HashingSlots(4, wait=5.0), clock)


def _wrong(logins: Logins, times: int, username: str = "wang", client: str | None = OFFICE) -> None:
    """``times`` wrong passwords, each refused as wrong (not blocked)."""
    for _ in range(times):
        with pytest.raises(AccessDenied):
            logins.login(username, "guess", client)


def _retry_after(logins: Logins, username: str, password: str, client: str | None) -> int:
    with pytest.raises(LoginThrottled) as refused:
        logins.login(username, password, client)
    assert "秒后再试" in refused.value.zh and "try again in" in refused.value.en
    return refused.value.retry_after


def test_thirty_wrong_passwords_then_the_right_one_fails(
    logins: Logins, hasher: CountingHasher
) -> None:
    outcomes = []
    for _ in range(30):
        try:
            logins.login("wang", "guess", OFFICE)
        except AccessDenied:
            outcomes.append(401)
        except LoginThrottled:
            outcomes.append(429)
    assert outcomes == [401] * 5 + [429] * 25
    assert hasher.verified == 5, "a blocked attempt is refused before any hashing"
    _retry_after(logins, "wang", PASSWORD, OFFICE)
    assert hasher.verified == 5, "even the right password is not checked while blocked"
    # The user name is blocked from every address.
    _retry_after(logins, "wang", PASSWORD, "198.51.100.1")


def test_the_block_doubles_with_every_further_attempt(
    logins: Logins, hasher: CountingHasher, clock: Clock
) -> None:
    _wrong(logins, 5)
    delays = []
    for _ in range(6):
        delay = _retry_after(logins, "wang", "guess", OFFICE)
        delays.append(delay)
        clock.advance(delay)
        with pytest.raises(AccessDenied):
            logins.login("wang", "guess", OFFICE)
    assert delays == [1, 2, 4, 8, 16, 32]
    capped = Logins(logins.commons, ThrottlePolicy(max_delay=timedelta(seconds=5)), clock=clock)
    clock.advance(64)
    with pytest.raises(AccessDenied):
        capped.login("wang", "guess", OFFICE)
    assert _retry_after(capped, "wang", "guess", OFFICE) == 5, "never longer than max_delay"


def test_success_clears_the_user_names_count(logins: Logins, hasher: CountingHasher) -> None:
    _wrong(logins, 4)
    assert logins.login("wang", PASSWORD, OFFICE).username == "wang"
    _wrong(logins, 4)
    assert logins.login("wang", PASSWORD, OFFICE).username == "wang", "4 + 4 never blocked"


def test_counts_are_forgotten_after_an_hour(
    logins: Logins, hasher: CountingHasher, clock: Clock
) -> None:
    _wrong(logins, 4)
    clock.advance(3601)
    _wrong(logins, 4)
    assert logins.login("wang", PASSWORD, OFFICE).username == "wang"


def test_one_address_spraying_many_user_names_is_blocked(
    logins: Logins, hasher: CountingHasher
) -> None:
    for n in range(20):
        with pytest.raises(AccessDenied):
            logins.login(f"user-{n}", "guess", OFFICE)
    _retry_after(logins, "li", PASSWORD, OFFICE)
    assert logins.login("li", PASSWORD, "198.51.100.1").username == "li", "other addresses work"
    # A success takes back only its own attempt: a valid account does not launder guesses.
    _retry_after(logins, "li", PASSWORD, OFFICE)


def test_unknown_and_known_user_names_are_counted_alike(
    logins: Logins, hasher: CountingHasher
) -> None:
    for name in ("wang", "nobody"):
        _wrong(logins, 5, name, None)
        _retry_after(logins, name, "guess", None)


def test_a_burst_of_parallel_guesses_is_counted_in_full(
    commons: Commons, hasher: CountingHasher
) -> None:
    logins = Logins(commons, slots=HashingSlots(64, wait=30.0))

    def guess(n: int) -> str:
        try:
            logins.login("wang", f"guess-{n}", f"198.51.100.{n}")
        except AccessDenied:
            return "wrong"
        except LoginThrottled:
            return "blocked"
        return "in"

    with ThreadPoolExecutor(16) as pool:
        outcomes = list(pool.map(guess, range(64)))
    assert outcomes.count("wrong") == 5
    assert outcomes.count("blocked") == 59
    assert hasher.verified == 5, "each attempt is counted before its hash, not after"


def test_concurrent_hashing_never_exceeds_the_slots(
    commons: Commons, hasher: CountingHasher
) -> None:
    hasher.pause = 0.02
    slots = HashingSlots(2, wait=30.0)
    logins = Logins(commons, ThrottlePolicy(user_free=100, address_free=100), slots)

    def attempt(n: int) -> None:
        with pytest.raises(AccessDenied):
            logins.login(f"user-{n}", "guess", f"192.0.2.{n}")

    with ThreadPoolExecutor(32) as pool:
        list(pool.map(attempt, range(64)))
    assert hasher.verified == 64
    assert hasher.most == 2


def test_a_login_that_finds_no_slot_is_busy_and_not_counted(
    commons: Commons, hasher: CountingHasher
) -> None:
    slots = HashingSlots(1, wait=0.01)
    logins = Logins(commons, slots=slots)
    with slots.slot(), pytest.raises(LoginBusy) as busy:
        logins.login("wang", PASSWORD, OFFICE)
    assert busy.value.retry_after >= 1
    assert "稍后重试" in busy.value.zh and "retry" in busy.value.en
    assert hasher.verified == 0
    with commons.engine.connect() as connection:
        query = select(login_throttle.c.key, login_throttle.c.failures)
        counts = {row.key: row.failures for row in connection.execute(query)}
    assert counts == {"user:wang": 0, f"addr:{OFFICE}": 0}


def test_keys_of_user_names_and_addresses() -> None:
    same = throttle_keys("x", "2001:db8:1:2::7")[1], throttle_keys("x", "2001:db8:1:2:ffff::1")[1]
    assert same[0] == same[1] == ("address", "addr:2001:db8:1:2::/64")
    assert throttle_keys("x", "::ffff:203.0.113.7")[1] == ("address", f"addr:{OFFICE}")
    long_name = throttle_keys("名" * 500, None)
    assert len(long_name) == 1
    assert len(long_name[0][1]) <= 200
    assert long_name != throttle_keys("名" * 499, None)


def test_counts_are_shared_through_the_database(
    commons: Commons, hasher: CountingHasher, clock: Clock
) -> None:
    # Two workers: each its own Logins (its own process in production), one table.
    first, second = (Logins(commons, clock=clock) for _ in range(2))
    for worker in (first, second, first, second, first):
        with pytest.raises(AccessDenied):
            worker.login("wang", "guess", OFFICE)
    _retry_after(second, "wang", PASSWORD, OFFICE)


def test_an_outdated_hash_is_replaced_after_a_login(
    commons: Commons, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = PasswordHasher(time_cost=2, memory_cost=8, parallelism=1)
    monkeypatch.setattr(users, "_hasher", old)
    with commons.unit_of_work(admin) as uow:
        UserService(uow).create(
            "zhou", roles=["reader"], scope=Scope.everything(), password=PASSWORD
        )
    current = PasswordHasher.from_parameters(profiles.CHEAPEST)
    monkeypatch.setattr(users, "_hasher", current)
    with commons.unit_of_work(admin, readonly=True) as uow:
        assert UserService(uow).hash_is_outdated("zhou")
    assert Logins(commons).login("zhou", PASSWORD, None).username == "zhou"
    with commons.unit_of_work(admin, readonly=True) as uow:
        assert not UserService(uow).hash_is_outdated("zhou")
    assert Logins(commons).login("zhou", PASSWORD, None).username == "zhou"


def test_a_known_device_is_counted_on_its_own(logins: Logins, hasher: CountingHasher) -> None:
    _wrong(logins, 5, client="198.51.100.9")
    _retry_after(logins, "wang", PASSWORD, OFFICE)
    # The browser that logged in as wang before is not locked out by guesses elsewhere.
    assert logins.login("wang", PASSWORD, OFFICE, device="laptop").username == "wang"
    for _ in range(5):
        with pytest.raises(AccessDenied):
            logins.login("wang", "guess", OFFICE, device="laptop")
    with pytest.raises(LoginThrottled):
        logins.login("wang", PASSWORD, OFFICE, device="laptop")
    assert logins.login("wang", PASSWORD, OFFICE, device="phone").username == "wang"


def test_a_block_this_process_saw_is_refused_without_the_database(
    logins: Logins, hasher: CountingHasher, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    assert logins.known_block("wang", OFFICE) is None
    _wrong(logins, 5)
    other = Logins(logins.commons, clock=clock)
    assert other.known_block("wang", OFFICE) is None, "another process learns it from the table"

    def no_database(*_: object, **__: object) -> None:
        raise AssertionError("the database was asked")

    monkeypatch.setattr(logins.commons, "unit_of_work", no_database)
    refused = logins.known_block("wang", "198.51.100.9")
    assert refused is not None and refused.retry_after == 1
    assert logins.known_block("wang", OFFICE, device="laptop") is None
    clock.advance(1)
    assert logins.known_block("wang", OFFICE) is None, "blocks lapse"
