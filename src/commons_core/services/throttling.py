"""Logins that resist guessing: throttling with backoff, and a bound on password hashing.

:class:`Logins` is what every face logs in through (the web pages and the JSON
API alike). Each attempt is counted under two keys in the ``login_throttle``
table, shared by every worker process: the user name and the client's address
(an IPv6 address by its /64 network). The count is taken *before* the password
is hashed, so a burst of parallel guesses is counted in full; once a key has
:attr:`ThrottlePolicy.user_free` (or :attr:`~ThrottlePolicy.address_free`)
attempts, it is blocked for a delay that doubles with every further attempt, up
to :attr:`~ThrottlePolicy.max_delay`. While a key is blocked every attempt is
refused with :class:`LoginThrottled` before any hashing, even one with the right
password. A successful login clears its user name's count and takes its own
attempt off its address's count; a count not touched for
:attr:`~ThrottlePolicy.forget_after` starts again from zero. An attempt from a
device that logged in as the user before (the caller verifies it, e.g. a signed
cookie) is counted under that device alone: guesses from elsewhere neither lock it
out nor block it. Each process also remembers the blocks it saw, so it refuses a
blocked attempt again without asking the database (:meth:`Logins.known_block`).

Password hashing (argon2, deliberately slow) runs in at most
:attr:`HashingSlots.slots` threads of a process at once; an attempt that cannot
get a slot within :attr:`HashingSlots.wait` seconds is answered
:class:`LoginBusy` at once, instead of queueing behind a crowd of guesses.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from commons_core.access import Actor, Scope
from commons_core.errors import AccessDenied, CommonsError, ValidationError
from commons_core.services.sessions import Clock, aware, utc_now
from commons_core.services.users import UserAccount, UserService
from commons_core.storage.tables import login_throttle

if TYPE_CHECKING:
    from commons_core.services.commons import Commons

__all__ = [
    "HashingSlots",
    "LoginBusy",
    "LoginThrottled",
    "Logins",
    "ThrottlePolicy",
    "throttle_keys",
]

T = TypeVar("T")

LOGIN_ACTOR = Actor.system_job("web-login", roles=())
"""Who checks passwords and counts attempts (no permission, every scope)."""
MAX_KEY = 200
MAX_KNOWN_BLOCKS = 10_000


class LoginThrottled(CommonsError):
    """Too many login attempts for a user name or from an address: retry after a while."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"登录尝试过多,请 {retry_after} 秒后再试",
            f"too many login attempts; try again in {retry_after} s",
        )


class LoginBusy(CommonsError):
    """Every password-hashing slot stayed busy: retry in a moment."""

    def __init__(self, retry_after: int = 1) -> None:
        self.retry_after = retry_after
        super().__init__(
            "服务器正忙于核对其他登录,请稍后重试",
            "the server is busy checking other logins; retry in a moment",
        )


def _non_negative(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, got {value}")


@attrs.frozen
class ThrottlePolicy:
    """When attempts are blocked and for how long.

    :ivar user_free: attempts for one user name before it is blocked.
    :ivar address_free: attempts from one address before it is blocked (higher:
        an office shares one address).
    :ivar base_delay: the first block; each further attempt doubles it.
    :ivar max_delay: the longest block.
    :ivar forget_after: a count not touched this long starts again from zero.
    """

    user_free: int = attrs.field(default=5, validator=_non_negative)
    address_free: int = attrs.field(default=20, validator=_non_negative)
    base_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(hours=1)

    def delay(self, attempts: int, free: int) -> timedelta | None:
        """How long a key with ``attempts`` (``free`` allowed) is blocked; ``None``: not."""
        if attempts < free:
            return None
        doublings = min(attempts - free, 40)
        delay: timedelta = min(self.base_delay * 2**doublings, self.max_delay)
        return delay


def throttle_keys(
    username: str, client: str | None, device: str | None = None
) -> list[tuple[str, str]]:
    """The keys an attempt is counted under, each with its kind.

    ``user`` and ``address`` normally; a known ``device`` (a browser that logged in as
    this user before) alone instead, so guesses from elsewhere never lock it out.
    """
    if device is not None:
        return [("device", _key("device", device))]
    keys = [("user", _key("user", username))]
    if client:
        keys.append(("address", _key("addr", _network(client))))
    return keys


def _key(kind: str, value: str) -> str:
    key = f"{kind}:{value}"
    if len(key) <= MAX_KEY:
        return key
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{kind}#{digest}"


def _network(client: str) -> str:
    """An IPv4 address as it is, an IPv6 address as its /64 (one subscriber's block)."""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return client
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)


class HashingSlots:
    """At most ``slots`` password hashes at once in this process.

    :param slots: concurrent hashes (default: half the CPUs, at least one: a crowd of
        guesses then leaves the other half to everything else the process serves).
    :param wait: seconds an attempt waits for a slot before :class:`LoginBusy`.
    """

    def __init__(self, slots: int | None = None, wait: float = 1.0) -> None:
        self.slots = slots or max(1, (os.cpu_count() or 2) // 2)
        self.wait = wait
        self._semaphore = threading.BoundedSemaphore(self.slots)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a slot for the ``with`` block; :class:`LoginBusy` when none frees in time."""
        if not self._semaphore.acquire(timeout=self.wait):
            raise LoginBusy(max(1, math.ceil(self.wait)))
        try:
            yield
        finally:
            self._semaphore.release()


class Logins:
    """Check passwords through the throttle and the hashing slots.

    :param commons: the open SDK.
    :param policy: the throttle's limits.
    :param slots: the bound on concurrent hashing (share one per process).
    :param clock: what tells the time (tests inject one).
    """

    def __init__(
        self,
        commons: Commons,
        policy: ThrottlePolicy | None = None,
        slots: HashingSlots | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.commons = commons
        self.policy = policy or ThrottlePolicy()
        self.slots = slots or HashingSlots()
        self.clock = clock
        # Blocks this process saw, by key: a cache of the table's, never more lenient.
        self._blocks: dict[str, datetime] = {}
        self._blocks_lock = threading.Lock()

    def login(
        self, username: str, password: str, client: str | None, device: str | None = None
    ) -> UserAccount:
        """The account if the password is right.

        :param client: the client's address.
        :param device: the id of a device the caller verified had logged in as
            ``username`` before (a signed cookie): its attempts are counted under the
            device alone (OWASP's device cookies).
        :raises LoginThrottled: the user name or address is blocked (nothing hashed).
        :raises LoginBusy: no hashing slot freed in time (the attempt is not counted).
        :raises AccessDenied: wrong user name or password (alike).
        """

        def check(service: UserService) -> tuple[UserAccount, bool]:
            return service.check_password(username, password), service.hash_is_outdated(username)

        keys = throttle_keys(username, client, device)
        account, outdated = self._attempt(keys, check, wrong=(AccessDenied,))
        if outdated:
            with self.slots.slot(), self.commons.unit_of_work(LOGIN_ACTOR) as uow:
                UserService(uow).refresh_hash(username, password)
        return account

    def change_password(
        self, account: UserAccount, old_password: str, new_password: str, client: str | None
    ) -> int:
        """``account`` changes its own password (counted like a login attempt).

        Returns the sessions ended (all of the account's). A wrong current password
        counts as a failed attempt; :class:`ValidationError` names the field.
        """

        def change(service: UserService) -> int:
            try:
                return service.change_password(account.username, old_password, new_password)
            except ValidationError as error:
                if any(p.code == "password.wrong" for p in error.problems):
                    raise _WrongPassword(error) from None
                raise

        # The user acting on their own account: no role, so no permission; every scope,
        # because only system jobs read the accounts under row-level security.
        actor = Actor(account.username, frozenset(), Scope.everything(), system=True)
        try:
            return self._attempt(
                throttle_keys(account.username, client),
                change,
                wrong=(_WrongPassword,),
                actor=actor,
                readonly=False,
            )
        except _WrongPassword as wrong:
            raise wrong.error from None

    def known_block(
        self, username: str, client: str | None, device: str | None = None
    ) -> LoginThrottled | None:
        """The refusal of an attempt this process already knows to be blocked, found
        without the database (a crowd of blocked guesses then costs almost nothing)."""
        now = aware(self.clock())
        keys = throttle_keys(username, client, device)
        until = max((u for _, key in keys if (u := self._blocks.get(key))), default=None)
        if until is None or until <= now:
            return None
        return LoginThrottled(max(1, math.ceil((until - now).total_seconds())))

    def _note_block(self, key: str, until: datetime | None) -> None:
        with self._blocks_lock:
            if until is None:
                self._blocks.pop(key, None)
                return
            if len(self._blocks) >= MAX_KNOWN_BLOCKS:
                now = aware(self.clock())
                self._blocks = {k: u for k, u in self._blocks.items() if u > now}
            self._blocks[key] = until

    def _attempt(
        self,
        keys: list[tuple[str, str]],
        work: Callable[[UserService], T],
        *,
        wrong: tuple[type[Exception], ...],
        actor: Actor = LOGIN_ACTOR,
        readonly: bool = True,
    ) -> T:
        self._admit(keys)
        try:
            with self.slots.slot(), self.commons.unit_of_work(actor, readonly=readonly) as uow:
                result = work(UserService(uow))
        except wrong:
            raise
        except BaseException:
            self._settle(keys, succeeded=False)
            raise
        self._settle(keys, succeeded=True)
        return result

    def _admit(self, keys: Sequence[tuple[str, str]]) -> None:
        """Count the attempt under every key, or refuse it if one is blocked."""
        now = aware(self.clock())
        blocks: dict[str, datetime] = {}
        with self.commons.unit_of_work(LOGIN_ACTOR) as uow:
            connection = uow.connection
            for kind, key in sorted(keys, key=lambda k: k[1]):
                row = _locked(connection, key, now)
                blocked = row.blocked_until and aware(row.blocked_until)
                if blocked and blocked > now:
                    self._note_block(key, blocked)
                    raise LoginThrottled(max(1, math.ceil((blocked - now).total_seconds())))
                failures = row.failures
                if now - aware(row.last_failure_at) >= self.policy.forget_after:
                    failures = 0
                delay = self.policy.delay(failures + 1, self._free(kind))
                if delay:
                    blocks[key] = now + delay
                connection.execute(
                    update(login_throttle)
                    .where(login_throttle.c.key == key)
                    .values(
                        failures=failures + 1,
                        last_failure_at=now,
                        blocked_until=now + delay if delay else None,
                    )
                )
        for key, until in blocks.items():  # committed: the table holds them now
            self._note_block(key, until)

    def _settle(self, keys: Sequence[tuple[str, str]], *, succeeded: bool) -> None:
        """Take back what :meth:`_admit` counted: all of a user name's after a success,
        this attempt alone otherwise (it was not a guess)."""
        now = aware(self.clock())
        with self.commons.unit_of_work(LOGIN_ACTOR) as uow:
            connection = uow.connection
            for kind, key in sorted(keys, key=lambda k: k[1]):
                if succeeded and kind in ("user", "device"):
                    connection.execute(delete(login_throttle).where(login_throttle.c.key == key))
                    self._note_block(key, None)
                    continue
                row = _locked(connection, key, now)
                failures = max(0, row.failures - 1)
                blocked = row.blocked_until
                if self.policy.delay(failures, self._free(kind)) is None:
                    blocked = None
                    self._note_block(key, None)
                connection.execute(
                    update(login_throttle)
                    .where(login_throttle.c.key == key)
                    .values(failures=failures, blocked_until=blocked)
                )

    def _free(self, kind: str) -> int:
        return self.policy.address_free if kind == "address" else self.policy.user_free


class _WrongPassword(Exception):
    def __init__(self, error: ValidationError) -> None:
        self.error = error


def _locked(connection: Connection, key: str, now: datetime) -> Any:
    """The row of ``key`` (made if missing), locked until commit.

    PostgreSQL locks the row; a writing unit of work on SQLite holds the database's lock.
    """
    postgresql = connection.dialect.name == "postgresql"
    make = postgresql_insert if postgresql else sqlite_insert
    connection.execute(
        make(login_throttle)
        .values(key=key, failures=0, last_failure_at=now, blocked_until=None)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    statement = select(login_throttle).where(login_throttle.c.key == key)
    if postgresql:
        statement = statement.with_for_update()
    return connection.execute(statement).one()
