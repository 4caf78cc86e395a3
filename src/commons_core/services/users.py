"""User accounts: who may log in, with which roles and scope. Passwords are argon2 hashes.

Changing a password, disabling an account or revoking its logins ends every
server-side session of the account (:mod:`commons_core.services.sessions`), and
each is recorded in the audit trail.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from typing import Any
from uuid import UUID

import attrs
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, func, insert, select, update

from commons_core.access import Actor, Scope, ScopeKind
from commons_core.errors import (
    AccessDenied,
    ConfigurationError,
    NotFound,
    Problem,
    ValidationError,
    raise_if_any,
)
from commons_core.model import new_id
from commons_core.services.unit_of_work import UnitOfWork
from commons_core.storage.tables import user_account, user_session

__all__ = [
    "MAX_PASSWORD",
    "MIN_PASSWORD",
    "UserAccount",
    "UserService",
    "account_from_row",
    "end_sessions",
    "new_password",
]

_hasher = PasswordHasher()
MANAGE = "user_account:manage"
MIN_PASSWORD = 10
"""The fewest characters of a password a person chooses."""
MAX_PASSWORD = 1024
"""The most characters of any password checked: longer ones are refused unhashed."""


@attrs.frozen
class UserAccount:
    """A login: user name, roles, and the scope they act in."""

    id: UUID
    username: str
    roles: tuple[str, ...]
    scope: Scope
    display_name: str | None = None
    active: bool = True

    def actor(self) -> Actor:
        """The actor this user acts as."""
        return Actor(self.username, frozenset(self.roles), self.scope)


def new_password() -> str:
    """A random password of 16 URL-safe characters."""
    return secrets.token_urlsafe(12)


class UserService:
    """Create, find and authenticate users inside a unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def create(
        self,
        username: str,
        *,
        roles: Iterable[str],
        scope: Scope,
        password: str,
        display_name: str | None = None,
    ) -> UserAccount:
        """Create a user (needs ``user_account:manage``); the password is stored hashed."""
        self.uow.require(MANAGE, f"user {username}")
        roles = tuple(roles)
        unknown = [r for r in roles if r not in self.uow.commons.access.roles]
        if unknown:
            raise ValidationError.single(
                "roles", unknown, "user.role", f"未知角色 {unknown}", f"unknown roles {unknown}"
            )
        if self._row(username) is not None:
            raise ValidationError.single(
                "username", username, "user.duplicate", "用户名已存在", "user name is taken"
            )
        user = UserAccount(new_id(), username, roles, scope, display_name)
        self.uow.connection.execute(
            insert(user_account).values(
                id=user.id,
                username=username,
                display_name=display_name,
                password_hash=_hasher.hash(password),
                roles=list(roles),
                street_office_id=scope.street_office_id,
                community_id=scope.community_id,
                grid_zone_id=scope.grid_zone_id,
                household_id=scope.household_id,
                active=True,
                version=0,
            )
        )
        self.uow.audit.record(
            scope.community_id,
            "create",
            "user_account",
            user.id,
            {
                "username": [None, username],
                "roles": [None, list(roles)],
                "scope": [None, scope.kind.value],
            },
        )
        return user

    def get(self, username: str) -> UserAccount:
        """The user of that name (needs ``user_account:manage`` unless it is the actor)."""
        if username != self.uow.actor.username:
            self.uow.require(MANAGE, f"user {username}")
        row = self._row(username)
        if row is None:
            raise NotFound("user", username)
        return account_from_row(row)

    def list(self) -> list[UserAccount]:
        """Every user, by name (needs ``user_account:manage``)."""
        self.uow.require(MANAGE, "users")
        rows = self.uow.connection.execute(select(user_account).order_by(user_account.c.username))
        return [account_from_row(row) for row in rows]

    def authenticate(self, username: str, password: str) -> UserAccount:
        """The user if the password is right; :class:`AccessDenied` otherwise (alike for both).

        A hash made with outdated parameters is replaced by a new one (a write).
        """
        account = self.check_password(username, password)
        self.refresh_hash(username, password)
        return account

    def check_password(self, username: str, password: str) -> UserAccount:
        """Like :meth:`authenticate`, but reads only: a read-only unit of work holds no
        write lock while the (deliberately slow) hash is checked.

        A password longer than :data:`MAX_PASSWORD` is refused without hashing it.
        """
        row = self._row(username)
        if row is None or not row.active or not row.password_hash or len(password) > MAX_PASSWORD:
            # Verify anyway so that timing does not tell whether the user exists.
            _verify(_dummy_hash(), password[:MAX_PASSWORD])
            raise AccessDenied(username, "login")
        if not _verify(row.password_hash, password):
            raise AccessDenied(username, "login")
        return account_from_row(row)

    def hash_is_outdated(self, username: str) -> bool:
        """Whether the user's hash was made with other parameters than the current ones."""
        row = self._row(username)
        return bool(row and row.password_hash and _hasher.check_needs_rehash(row.password_hash))

    def refresh_hash(self, username: str, password: str) -> bool:
        """Hash ``password`` anew if the stored hash is outdated and ``password`` matches it;
        whether it did."""
        row = self._row(username)
        if not self.hash_is_outdated(username) or not _verify(row.password_hash, password):
            return False
        self.uow.connection.execute(
            update(user_account)
            .where(user_account.c.id == row.id)
            .values(password_hash=_hasher.hash(password))
        )
        return True

    def change_password(self, username: str, old_password: str, new_password: str) -> int:
        """The actor changes their own password, giving the current one; every session ends.

        Problems are reported at ``old_password`` (wrong) and ``new_password`` (too
        short or long, or the same as the old one). Returns the sessions ended.
        """
        if username != self.uow.actor.username:
            raise AccessDenied(self.uow.actor.username, "change_password", f"user {username}")
        problems = _new_password_problems(old_password, new_password)
        raise_if_any(problems)
        row = self._row(username)
        if row is None or not row.active or not row.password_hash:
            raise NotFound("user", username)
        if len(old_password) > MAX_PASSWORD or not _verify(row.password_hash, old_password):
            raise ValidationError.single(
                "old_password",
                None,
                "password.wrong",
                "当前密码不正确",
                "the current password is wrong",
            )
        return self._store_password(row, new_password)

    def set_password(self, username: str, password: str) -> int:
        """Set a user's password (needs ``user_account:manage``); every session ends.

        Returns the sessions ended.
        """
        self.uow.require(MANAGE, f"user {username}")
        raise_if_any(_new_password_problems(None, password))
        row = self._row(username)
        if row is None:
            raise NotFound("user", username)
        return self._store_password(row, password)

    def set_active(self, username: str, active: bool) -> int:
        """Enable or disable a login (needs ``user_account:manage``); disabling ends every
        session. Returns the sessions ended."""
        self.uow.require(MANAGE, f"user {username}")
        row = self._row(username)
        if row is None:
            raise NotFound("user", username)
        self._bump(row, active=active)
        ended = 0 if active else end_sessions(self.uow.connection, row.id)
        self.uow.audit.record(
            row.community_id,
            "update",
            "user_account",
            row.id,
            {"active": [bool(row.active), active], "sessions_ended": [None, ended]},
        )
        return ended

    def revoke_sessions(self, username: str) -> int:
        """End every session of a user (needs ``user_account:manage``); returns how many.

        Recorded in the audit trail as ``revoke_sessions``, also when none was open.
        """
        self.uow.require(MANAGE, f"user {username}")
        row = self._row(username)
        if row is None:
            raise NotFound("user", username)
        ended = end_sessions(self.uow.connection, row.id)
        self.uow.audit.record(
            row.community_id, "revoke_sessions", "user_account", row.id, {"sessions": [ended, 0]}
        )
        return ended

    def _store_password(self, row: Any, password: str) -> int:
        self._bump(row, password_hash=_hasher.hash(password))
        ended = end_sessions(self.uow.connection, row.id)
        self.uow.audit.record(
            row.community_id,
            "update",
            "user_account",
            row.id,
            {"password": ["***", "***"], "sessions_ended": [None, ended]},
        )
        return ended

    def _bump(self, row: Any, **values: Any) -> None:
        self.uow.connection.execute(
            update(user_account)
            .where(user_account.c.id == row.id)
            .values(version=func.coalesce(user_account.c.version, 0) + 1, **values)
        )

    def _row(self, username: str) -> Any:
        return self.uow.connection.execute(
            select(user_account).where(user_account.c.username == username)
        ).first()


def end_sessions(connection: Connection, user_id: UUID) -> int:
    """Revoke every open session of a user in ``connection``'s transaction; return how many."""
    result = connection.execute(
        update(user_session)
        .where(user_session.c.user_id == user_id, user_session.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    return int(result.rowcount)


def _new_password_problems(old: str | None, new: str) -> list[Problem]:
    """What is wrong with a new password: its length, or being the old one again."""
    path = "new_password"
    if len(new) < MIN_PASSWORD:
        return [
            Problem(
                path,
                None,
                "password.short",
                f"新密码至少 {MIN_PASSWORD} 个字符",
                f"the new password needs at least {MIN_PASSWORD} characters",
            )
        ]
    if len(new) > MAX_PASSWORD:
        return [
            Problem(
                path,
                None,
                "password.long",
                f"新密码最多 {MAX_PASSWORD} 个字符",
                f"the new password may have at most {MAX_PASSWORD} characters",
            )
        ]
    if old is not None and new == old:
        return [
            Problem(
                path,
                None,
                "password.same",
                "新密码不能与当前密码相同",
                "the new password must differ from the current one",
            )
        ]
    return []


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_hex(8))


def _verify(hash_: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(hash_, password))
    except (VerificationError, InvalidHashError):
        return False


def account_from_row(row: Any) -> UserAccount:
    """The account of a ``user_account`` row (its columns, possibly among others)."""
    data = row._mapping
    if data["household_id"] is not None:
        scope = Scope.household(data["community_id"], data["household_id"])
    elif data["grid_zone_id"] is not None:
        scope = Scope.zone(data["community_id"], data["grid_zone_id"])
    elif data["community_id"] is not None:
        scope = Scope.community(data["community_id"])
    elif data["street_office_id"] is not None:
        scope = Scope.street(data["street_office_id"])
    else:
        scope = Scope(ScopeKind.ALL)
    if not isinstance(data["roles"], list | tuple):
        raise ConfigurationError(
            "用户角色数据损坏", f"roles of user {data['username']} are corrupt"
        )
    return UserAccount(
        id=data["id"],
        username=data["username"],
        roles=tuple(data["roles"]),
        scope=scope,
        display_name=data["display_name"],
        active=bool(data["active"]),
    )
