"""Server-side sessions and the accounts' operations that end them, on SQLite and PostgreSQL.

The clock is injected: idle and absolute timeouts are crossed by moving it, never by
sleeping.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher, profiles
from click.testing import Result
from sqlalchemy import select, update

from commons_core.access import Actor, Scope
from commons_core.errors import AccessDenied, NotFound, ValidationError
from commons_core.model import Community
from commons_core.services import Commons, users
from commons_core.services.sessions import SessionPolicy, SessionStore, session_id
from commons_core.services.throttling import Logins
from commons_core.services.users import UserAccount, UserService
from commons_core.storage.tables import audit_entry, user_account, user_session

PASSWORD = "correct-horse-42"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture
def place(commons: Commons, admin: Actor) -> Community:
    with commons.unit_of_work(admin) as uow:
        return uow.repo(Community).add(Community(name="会话社区"))


@pytest.fixture
def account(commons: Commons, admin: Actor, place: Community) -> UserAccount:
    with commons.unit_of_work(admin) as uow:
        return UserService(uow).create(
            "wang", roles=["cadre"], scope=Scope.community(place.id), password=PASSWORD
        )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(commons: Commons, clock: Clock) -> SessionStore:
    return SessionStore(commons, SessionPolicy(), clock)


def _row(commons: Commons, token: str) -> Any:
    with commons.engine.connect() as connection:
        return connection.execute(
            select(user_session).where(user_session.c.id == session_id(token))
        ).one()


def test_a_session_resumes_until_its_own_logout_and_no_other(
    commons: Commons, store: SessionStore, account: UserAccount
) -> None:
    office, home = store.start(account, "10.0.0.1")[0], store.start(account, "10.0.0.2")[0]
    found = store.resume(office)
    assert found is not None
    assert found.account.username == "wang"
    assert found.client == "10.0.0.1"
    assert store.end(office)
    assert store.resume(office) is None, "the logged-out session is over"
    assert store.resume(home) is not None, "logging out on one client leaves the other"
    assert not store.end(office), "ending twice finds nothing open"
    # Only the token's SHA-256 is stored: a copy of the table opens no session.
    with commons.engine.connect() as connection:
        stored = json.dumps(
            [list(r) for r in connection.execute(select(user_session))], default=str
        )
    assert office not in stored and home not in stored
    assert store.resume(session_id(home)) is None, "the stored id is not a token"
    assert store.resume("forged-" + "x" * 40) is None


def test_idle_timeout_and_touching_at_most_once_a_minute(
    commons: Commons, store: SessionStore, account: UserAccount, clock: Clock
) -> None:
    token, started = store.start(account)
    clock.advance(seconds=30)
    assert store.resume(token) is not None
    assert _row(commons, token).last_seen_at.replace(tzinfo=UTC) == started.last_seen_at, (
        "a request within a minute writes nothing"
    )
    clock.advance(minutes=29)
    seen = store.resume(token)
    assert seen is not None
    assert seen.last_seen_at == clock.now
    assert _row(commons, token).last_seen_at.replace(tzinfo=UTC) == clock.now
    clock.advance(minutes=29, seconds=59)
    assert store.resume(token) is not None, "29:59 after the last request: still in force"
    clock.advance(minutes=30)
    assert store.resume(token) is None, "30 minutes without a request end it"


def test_absolute_timeout_however_busy(
    store: SessionStore, account: UserAccount, clock: Clock
) -> None:
    token, started = store.start(account)
    assert started.expires_at == clock.now + timedelta(hours=8)
    for _ in range(23):
        clock.advance(minutes=20)
        assert store.resume(token) is not None
    clock.advance(minutes=20)
    assert clock.now == started.created_at + timedelta(hours=8)
    assert store.resume(token) is None, "8 hours after the login it ends, used or not"


def test_policy_settings_must_be_positive() -> None:
    with pytest.raises(Exception, match="idle"):
        SessionPolicy(idle=timedelta(0))


def test_a_password_change_ends_every_session(
    commons: Commons, store: SessionStore, account: UserAccount
) -> None:
    tokens = [store.start(account)[0] for _ in range(3)]
    logins = Logins(commons)
    with pytest.raises(ValidationError) as wrong:
        logins.change_password(account, "not-the-password", "a-new-password-1", None)
    assert [p.path for p in wrong.value.problems] == ["old_password"]
    with pytest.raises(ValidationError) as short:
        logins.change_password(account, PASSWORD, "short", None)
    assert [p.path for p in short.value.problems] == ["new_password"]
    assert "10" in short.value.problems[0].zh and "10" in short.value.problems[0].en
    assert all(store.resume(t) is not None for t in tokens), "a refused change ends nothing"
    assert logins.change_password(account, PASSWORD, "a-new-password-1", None) == 3
    assert all(store.resume(t) is None for t in tokens)
    assert logins.login("wang", "a-new-password-1", None).username == "wang"
    with pytest.raises(AccessDenied):
        logins.login("wang", PASSWORD, None)


def test_nobody_changes_another_users_password(
    commons: Commons, admin: Actor, account: UserAccount
) -> None:
    with commons.unit_of_work(admin) as uow, pytest.raises(AccessDenied):
        UserService(uow).change_password("wang", PASSWORD, "a-new-password-1")


def test_revocation_ends_every_session_and_is_audited(
    commons: Commons, admin: Actor, store: SessionStore, account: UserAccount, place: Community
) -> None:
    tokens = [store.start(account)[0] for _ in range(2)]
    with commons.unit_of_work(admin) as uow:
        assert UserService(uow).revoke_sessions("wang") == 2
    assert all(store.resume(t) is None for t in tokens), "a stolen cookie of it opens nothing"
    with commons.engine.connect() as connection:
        entry = connection.execute(
            select(audit_entry).where(audit_entry.c.action == "revoke_sessions")
        ).one()
    assert entry.community_id == place.id
    assert entry.key == str(account.id)
    assert entry.actor == admin.username
    reader = Actor("li", frozenset({"reader"}), Scope.community(place.id))
    with commons.unit_of_work(reader) as uow, pytest.raises(AccessDenied):
        UserService(uow).revoke_sessions("wang")
    with commons.unit_of_work(admin) as uow, pytest.raises(NotFound):
        UserService(uow).revoke_sessions("nobody")


def test_a_disabled_account_has_no_session(
    commons: Commons, admin: Actor, store: SessionStore, account: UserAccount
) -> None:
    token = store.start(account)[0]
    # Disabled behind the SDK's back: the session is still refused, on the next request.
    with commons.engine.begin() as connection:
        connection.execute(
            update(user_account).where(user_account.c.id == account.id).values(active=False)
        )
    assert store.resume(token) is None
    with commons.engine.begin() as connection:
        connection.execute(
            update(user_account).where(user_account.c.id == account.id).values(active=True)
        )
    assert store.resume(token) is not None
    with commons.unit_of_work(admin) as uow:
        assert UserService(uow).set_active("wang", False) == 1
    with commons.unit_of_work(admin) as uow:
        UserService(uow).set_active("wang", True)
    assert store.resume(token) is None, "disabling ended it for good"


@pytest.fixture
def cli(commons_cli: Callable[..., Result]) -> Callable[..., Result]:
    def run(*args: str) -> Result:
        return commons_cli("users", *args)

    return run


def test_commons_users_commands(
    commons: Commons, store: SessionStore, cli: Callable[..., Result], place: Community
) -> None:
    added = cli("add", "zhao", "--role", "grid_worker", "--community", "会话社区", "--zone", "9")
    assert isinstance(added.exception, NotFound), "an unknown zone is refused"
    added = cli("add", "zhao", "--role", "reader", "--community", str(place.id))
    assert added.exit_code == 0, added.output
    password = added.output.split("password: ")[1].split()[0]
    account = Logins(commons).login("zhao", password, None)
    tokens = [store.start(account)[0] for _ in range(2)]
    listed = json.loads(cli("list", "--json").output)
    assert [(u["username"], u["roles"], u["scope"]) for u in listed] == [
        ("zhao", ["reader"], "community")
    ]
    revoked = cli("revoke", "zhao")
    assert revoked.exit_code == 0
    assert ": 2" in revoked.output
    assert all(store.resume(t) is None for t in tokens)
    token = store.start(account)[0]
    changed = cli("passwd", "zhao")
    assert changed.exit_code == 0 and ": 1" in changed.output
    new = changed.output.split("new password of zhao: ")[1].split()[0]
    assert Logins(commons).login("zhao", new, None).username == "zhao"
    assert store.resume(token) is None
    token = store.start(account)[0]
    assert cli("disable", "zhao").exit_code == 0
    assert store.resume(token) is None
    with pytest.raises(AccessDenied):
        Logins(commons).login("zhao", new, None)
    assert cli("enable", "zhao").exit_code == 0
    assert Logins(commons).login("zhao", new, None).active
    missing = cli("revoke", "nobody")
    assert missing.exit_code != 0
    assert isinstance(missing.exception, NotFound)
