"""Server-side login sessions: the cookie holds a random token, the database its SHA-256.

A session ends when its user logs out, after :attr:`SessionPolicy.idle` without a
request, :attr:`SessionPolicy.absolute` after the login whatever happens, and
everywhere at once when the user's password changes, the account is disabled or
an operator revokes it (``commons users revoke USER``;
:meth:`~commons_core.services.users.UserService.revoke_sessions`). Every request
looks its session up (:meth:`SessionStore.resume`); ``last_seen_at`` is written
at most once per :attr:`SessionPolicy.touch_every`, not on every request, so the
idle timeout is exact to that interval.

The store opens its own short units of work as a system job: callers need no
actor, and a token that is unknown, ended, expired or of a disabled account is
simply not a session.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import delete, insert, select, update

from commons_core.access import Actor
from commons_core.errors import ConfigurationError
from commons_core.services.users import UserAccount, account_from_row
from commons_core.storage.tables import user_account, user_session

if TYPE_CHECKING:
    from commons_core.services.commons import Commons

__all__ = [
    "Clock",
    "LoginSession",
    "SessionPolicy",
    "SessionStore",
    "aware",
    "session_id",
    "utc_now",
]

Clock = Callable[[], datetime]
"""What tells the time (tests pass their own); it returns a datetime with a zone."""

KEEP_ENDED = timedelta(days=30)
"""How long ended and expired sessions stay in the table, as a record of logins."""
PURGE_EVERY = 3600.0
"""Seconds between two purges of old sessions by one store."""
SESSION_ACTOR = Actor.system_job("sessions", roles=())
"""Who reads and writes the session table (it needs no permission, only every scope)."""


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """``moment`` in UTC; a stored value without a zone is UTC (SQLite drops the zone)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def session_id(token: str) -> str:
    """The stored id of a session: the SHA-256 of the cookie's token, in hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _positive(instance: object, attribute: attrs.Attribute[timedelta], value: timedelta) -> None:
    if value <= timedelta(0):
        raise ConfigurationError(
            f"会话设置 {attribute.name} 必须大于零:{value}",
            f"the session setting {attribute.name} must be positive: {value}",
        )


@attrs.frozen
class SessionPolicy:
    """How long sessions last.

    :ivar idle: a session without a request for this long has ended.
    :ivar absolute: a session has ended this long after the login, however busy.
    :ivar touch_every: ``last_seen_at`` is written at most this often.
    """

    idle: timedelta = attrs.field(default=timedelta(minutes=30), validator=_positive)
    absolute: timedelta = attrs.field(default=timedelta(hours=8), validator=_positive)
    touch_every: timedelta = attrs.field(default=timedelta(minutes=1), validator=_positive)


@attrs.frozen
class LoginSession:
    """A session in force, with its user's account as it is now."""

    id: str
    account: UserAccount
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    client: str | None = None


class SessionStore:
    """Start, look up and end the sessions of a deployment.

    :param commons: the open SDK whose database holds the sessions.
    :param policy: the timeouts.
    :param clock: what tells the time (tests inject one).
    """

    def __init__(
        self, commons: Commons, policy: SessionPolicy | None = None, clock: Clock = utc_now
    ) -> None:
        self.commons = commons
        self.policy = policy or SessionPolicy()
        self.clock = clock
        self._last_purge = -PURGE_EVERY

    def _now(self) -> datetime:
        return aware(self.clock())

    def start(self, account: UserAccount, client: str | None = None) -> tuple[str, LoginSession]:
        """A new session for ``account``: its token (for the cookie, never stored) and itself.

        :param client: the client's address, kept with the session.
        """
        token = secrets.token_urlsafe(32)
        now = self._now()
        session = LoginSession(
            id=session_id(token),
            account=account,
            created_at=now,
            last_seen_at=now,
            expires_at=now + self.policy.absolute,
            client=client[:64] if client else None,
        )
        with self.commons.unit_of_work(SESSION_ACTOR) as uow:
            uow.connection.execute(
                insert(user_session).values(
                    id=session.id,
                    user_id=account.id,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=session.expires_at,
                    client=session.client,
                )
            )
            if time.monotonic() - self._last_purge >= PURGE_EVERY:
                self._last_purge = time.monotonic()
                uow.connection.execute(
                    delete(user_session).where(user_session.c.expires_at < now - KEEP_ENDED)
                )
        return token, session

    def resume(self, token: str) -> LoginSession | None:
        """The session of ``token`` if it is still in force, else ``None``.

        In force: known, not ended, used within the idle timeout, younger than the
        absolute timeout, and its account still active.
        """
        sid = session_id(token)
        now = self._now()
        with self.commons.unit_of_work(SESSION_ACTOR, readonly=True) as uow:
            row = uow.connection.execute(
                select(
                    user_account,
                    user_session.c.created_at.label("session_created_at"),
                    user_session.c.last_seen_at.label("session_last_seen_at"),
                    user_session.c.expires_at.label("session_expires_at"),
                    user_session.c.revoked_at.label("session_revoked_at"),
                    user_session.c.client.label("session_client"),
                )
                .join(user_account, user_account.c.id == user_session.c.user_id)
                .where(user_session.c.id == sid)
            ).first()
        session = self._in_force(sid, row, now)
        if session is not None and now - session.last_seen_at >= self.policy.touch_every:
            with self.commons.unit_of_work(SESSION_ACTOR) as uow:
                uow.connection.execute(
                    update(user_session)
                    .where(user_session.c.id == sid, user_session.c.revoked_at.is_(None))
                    .values(last_seen_at=now)
                )
            session = attrs.evolve(session, last_seen_at=now)
        return session

    def _in_force(self, sid: str, row: Any, now: datetime) -> LoginSession | None:
        if row is None or row.session_revoked_at is not None or not row.active:
            return None
        last_seen = aware(row.session_last_seen_at)
        expires = aware(row.session_expires_at)
        if now >= expires or now - last_seen >= self.policy.idle:
            return None
        return LoginSession(
            id=sid,
            account=account_from_row(row),
            created_at=aware(row.session_created_at),
            last_seen_at=last_seen,
            expires_at=expires,
            client=row.session_client,
        )

    def end(self, token: str) -> bool:
        """End the session of ``token`` (logout); whether one was open."""
        with self.commons.unit_of_work(SESSION_ACTOR) as uow:
            result = uow.connection.execute(
                update(user_session)
                .where(user_session.c.id == session_id(token), user_session.c.revoked_at.is_(None))
                .values(revoked_at=self._now())
            )
        return bool(result.rowcount)
