"""Actors, roles, scopes and permissions: who may do what, where.

Every unit of work runs as one :class:`Actor`: a user or a named system job,
with roles and a :class:`Scope` (everything, a street office, a community,
a grid zone inside one, or one household). Roles grant permissions, written
``<entity>:<action>`` (actions ``list``, ``read``, ``create``, ``update``,
``delete``, ``export``), ``reveal:<sensitivity>`` to see sensitive fields in
clear (and to write them), ``set:<sensitivity>`` to write them without seeing
them, and plugin-defined ones such as ``love_supermarket:sell``. Patterns
may use ``*`` for a part.

Evaluation fails closed: a rule that cannot be evaluated denies.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any
from uuid import UUID

import attrs

from commons_core.errors import AccessDenied, ConfigurationError
from commons_core.model import Label, Sensitivity
from commons_core.validation import mask_id_number, mask_phone

__all__ = [
    "ACTIONS",
    "BUILTIN_ROLES",
    "PSEUDO_ENTITIES",
    "WITHHELD",
    "AccessPolicy",
    "Actor",
    "Permission",
    "Role",
    "Scope",
    "ScopeKind",
    "mask_value",
    "text_masker",
]

ACTIONS = ("list", "read", "create", "update", "delete", "export")
"""The actions every entity has a permission for."""


class ScopeKind(StrEnum):
    """How far an actor's reach extends."""

    ALL = "all"
    STREET = "street"
    COMMUNITY = "community"
    ZONE = "zone"
    HOUSEHOLD = "household"


@attrs.frozen
class Scope:
    """Where an actor may act. Build with the class methods."""

    kind: ScopeKind
    street_office_id: UUID | None = None
    community_id: UUID | None = None
    grid_zone_id: UUID | None = None
    household_id: UUID | None = None

    @classmethod
    def everything(cls) -> Scope:
        """Every community (administrators and system jobs of a whole deployment)."""
        return cls(ScopeKind.ALL)

    @classmethod
    def street(cls, street_office_id: UUID) -> Scope:
        """The communities under one street office."""
        return cls(ScopeKind.STREET, street_office_id=street_office_id)

    @classmethod
    def community(cls, community_id: UUID) -> Scope:
        """One community."""
        return cls(ScopeKind.COMMUNITY, community_id=community_id)

    @classmethod
    def zone(cls, community_id: UUID, grid_zone_id: UUID) -> Scope:
        """One grid zone of a community: its households and their members."""
        return cls(ScopeKind.ZONE, community_id=community_id, grid_zone_id=grid_zone_id)

    @classmethod
    def household(cls, community_id: UUID, household_id: UUID) -> Scope:
        """One household (resident self-service)."""
        return cls(ScopeKind.HOUSEHOLD, community_id=community_id, household_id=household_id)

    def __attrs_post_init__(self) -> None:
        needed = {
            ScopeKind.STREET: ("street_office_id",),
            ScopeKind.COMMUNITY: ("community_id",),
            ScopeKind.ZONE: ("community_id", "grid_zone_id"),
            ScopeKind.HOUSEHOLD: ("community_id", "household_id"),
        }.get(self.kind, ())
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ConfigurationError(
                f"范围 {self.kind} 缺少 {', '.join(missing)}",
                f"scope {self.kind} needs {', '.join(missing)}",
            )


@attrs.frozen
class Actor:
    """Who a unit of work acts as: the name recorded in the audit trail, roles and scope."""

    username: str
    roles: frozenset[str]
    scope: Scope
    system: bool = False

    @classmethod
    def local_admin(cls) -> Actor:
        """The operator at this machine: an administrator named after the OS user.

        This is who the command line acts as without ``--as``.
        """
        try:
            user = getpass.getuser()
        except (OSError, KeyError):
            user = "unknown"
        return cls(f"local:{user}", frozenset({"administrator"}), Scope.everything(), system=True)

    @classmethod
    def system_job(cls, name: str, roles: Iterable[str] = ("administrator",)) -> Actor:
        """A named background job (``job:retention``) acting over every community."""
        return cls(f"job:{name}", frozenset(roles), Scope.everything(), system=True)


@attrs.frozen
class Permission:
    """A permission a plugin checks, declared with its labels."""

    name: str
    label: Label


@attrs.frozen
class Role:
    """A named set of permission patterns."""

    name: str
    label: Label
    permissions: tuple[str, ...]


_EVERY_ENTITY = [f"*:{a}" for a in ACTIONS]
_READ = ["*:list", "*:read"]
# Everyone may see the communities they work in and their street office.
_PLACES = ("community:list", "community:read", "street_office:list", "street_office:read")

BUILTIN_ROLES: tuple[Role, ...] = (
    Role("administrator", Label("管理员", "administrator"), ("*",)),
    Role(
        "cadre",
        Label("社区干部", "community cadre"),
        (
            *_EVERY_ENTITY,
            "reveal:identity",
            "reveal:contact",
            "reveal:assistance",
            "reveal:political",
            "reveal:key_group",
            "!user_account:*",
        ),
    ),
    Role(
        "grid_worker",
        Label("网格员", "grid worker"),
        (
            "household:list",
            "household:read",
            "household:update",
            "resident:list",
            "resident:read",
            "resident:create",
            "resident:update",
            "life_event:list",
            "life_event:read",
            "life_event:create",
            "building:list",
            "building:read",
            "grid_zone:list",
            "grid_zone:read",
            *_PLACES,
            "reveal:contact",
            # Registering residents, they type ID numbers from the card without
            # seeing stored ones; never set:assistance (低保 decides who buys at
            # the love supermarket).
            "set:identity",
        ),
    ),
    Role(
        "auditor",
        Label("审计员", "auditor"),
        (*_READ, "*:export", "audit:read", "reveal:*"),
    ),
    Role(
        "resident",
        Label("居民自助", "resident self-service"),
        (
            "household:list",
            "household:read",
            "resident:list",
            "resident:read",
            *_PLACES,
            "reveal:identity",
            "reveal:contact",
            "reveal:assistance",
        ),
    ),
)
"""The core's roles. A plugin adds its own (``roles=`` of its manifest) and grants to these."""


class AccessPolicy:
    """The roles in force (built-in plus plugins') and the evaluation of permissions.

    A pattern starting with ``!`` withholds what it matches even when another
    pattern grants it.
    """

    def __init__(
        self,
        roles: Iterable[Role],
        grants: Iterable[tuple[str, Mapping[str, Sequence[str]]]] = (),
        permissions: Iterable[Permission] = (),
    ) -> None:
        self.roles: dict[str, Role] = {}
        for role in roles:
            self.roles[role.name] = role
        for plugin, grant in grants:
            for role_name, patterns in grant.items():
                known = self.roles.get(role_name)
                if known is None:
                    raise ConfigurationError(
                        f"插件 {plugin} 向不存在的角色 {role_name} 授权",
                        f"plugin {plugin} grants to unknown role {role_name}",
                    )
                self.roles[role_name] = attrs.evolve(
                    known, permissions=(*known.permissions, *patterns)
                )
        self.permissions = {p.name: p for p in permissions}
        self._allows = lru_cache(maxsize=4096)(self._evaluate)

    def allows(self, actor: Actor, permission: str) -> bool:
        """Whether ``actor``'s roles grant ``permission``; any failure denies."""
        try:
            return self._allows(actor.roles, permission)
        except Exception:
            return False

    def require(self, actor: Actor, permission: str, record: str | None = None) -> None:
        """Raise :class:`~commons_core.errors.AccessDenied` unless ``actor`` has ``permission``."""
        if not self.allows(actor, permission):
            raise AccessDenied(actor.username, permission, record)

    def _evaluate(self, roles: frozenset[str], permission: str) -> bool:
        granted = False
        for role_name in roles:
            role = self.roles.get(role_name)
            if role is None:
                continue
            for pattern in role.permissions:
                if pattern.startswith("!"):
                    if fnmatchcase(permission, pattern[1:]):
                        return False
                elif _grants(pattern, permission):
                    granted = True
        return granted


PSEUDO_ENTITIES = frozenset({"audit", "reveal", "set"})
"""Permission prefixes that are not entities: ``audit:read``, ``reveal:<kind>``, ``set:<kind>``.

A pattern grants them only if it names the prefix itself (``audit:read``,
``reveal:*``) or is the administrators' bare ``*``: a wildcard on the entity
part (``*:read``, ``*:*``) means "every entity", and the audit trail and the
sensitive fields in clear are not entities. Withholding patterns (``!…``)
match them as any other, so a denial is never narrower than it reads.
"""


def _grants(pattern: str, permission: str) -> bool:
    """Whether a granting ``pattern`` matches ``permission`` (see :data:`PSEUDO_ENTITIES`)."""
    prefix, colon, _rest = permission.partition(":")
    if colon and prefix in PSEUDO_ENTITIES and pattern != "*":
        named, named_colon, _ = pattern.partition(":")
        if not named_colon or named != prefix:
            return False
    return fnmatchcase(permission, pattern)


def mask_value(value: Any, sensitivity: Sensitivity) -> Any:
    """The masked form of a sensitive value.

    ID numbers show their province part (``11****************``), mobiles
    their network (``138********``), landlines their area code
    (``010-********``); other text becomes ``***``. Values that are not text
    (sets, numbers, links) are withheld entirely: ``None``. Why these and no
    more: ``docs/access.md``, "Sensitive fields are masked".
    """
    if isinstance(value, str):
        return text_masker(sensitivity)(value)
    return None


WITHHELD = "***"
"""What a sensitive value that is neither an ID number nor a phone number is masked as."""


def _withheld(value: str) -> str:
    return WITHHELD


def text_masker(sensitivity: Sensitivity) -> Callable[[str], str]:
    """The function masking text of ``sensitivity`` as :func:`mask_value` does (bulk paths
    choose it once per column instead of once per value)."""
    if sensitivity is Sensitivity.IDENTITY:
        return mask_id_number
    if sensitivity is Sensitivity.CONTACT:
        return mask_phone
    return _withheld
