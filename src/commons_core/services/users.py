"""User accounts: who may log in, with which roles and scope. Passwords are argon2 hashes."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from functools import cache
from typing import Any
from uuid import UUID

import attrs
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert, select, update

from commons_core.access import Actor, Scope, ScopeKind
from commons_core.errors import AccessDenied, ConfigurationError, NotFound, ValidationError
from commons_core.model import new_id
from commons_core.services.unit_of_work import UnitOfWork
from commons_core.storage.tables import user_account

__all__ = ["UserAccount", "UserService", "new_password"]

_hasher = PasswordHasher()
MANAGE = "user_account:manage"


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
        return _user(row)

    def authenticate(self, username: str, password: str) -> UserAccount:
        """The user if the password is right; :class:`AccessDenied` otherwise (alike for both)."""
        row = self._row(username)
        if row is None or not row.active or not row.password_hash:
            # Verify anyway so that timing does not tell whether the user exists.
            _verify(_dummy_hash(), password)
            raise AccessDenied(username, "login")
        if not _verify(row.password_hash, password):
            raise AccessDenied(username, "login")
        if _hasher.check_needs_rehash(row.password_hash):
            self.uow.connection.execute(
                update(user_account)
                .where(user_account.c.id == row.id)
                .values(password_hash=_hasher.hash(password))
            )
        return _user(row)

    def _row(self, username: str) -> Any:
        return self.uow.connection.execute(
            select(user_account).where(user_account.c.username == username)
        ).first()


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_hex(8))


def _verify(hash_: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(hash_, password))
    except (VerificationError, InvalidHashError):
        return False


def _user(row: Any) -> UserAccount:
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
