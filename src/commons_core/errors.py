"""The SDK's error types: every failure a user can cause is one of these.

Each error carries a message in Chinese and English. :class:`ValidationError`
carries the full list of :class:`Problem` found in one input, so callers can
show every bad field at once instead of one per attempt.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

__all__ = [
    "AccessDenied",
    "CommonsError",
    "ConfigurationError",
    "ConflictError",
    "DuplicateError",
    "NotFound",
    "PluginError",
    "Problem",
    "ValidationError",
    "raise_if_any",
]


@attrs.frozen
class Problem:
    """One thing wrong with one value.

    ``path`` locates the value inside the input (``members[2].id_number``),
    ``code`` names the rule that failed (``id_number.check_digit``), and the
    message is given in Chinese (``zh``) and English (``en``).
    """

    path: str
    value: Any
    code: str
    zh: str
    en: str

    @property
    def message(self) -> str:
        """The bilingual message, Chinese first: ``校验码错误 / check digit is wrong``."""
        return f"{self.zh} / {self.en}"

    def under(self, prefix: str) -> Problem:
        """This problem with its path placed under ``prefix`` (a field or ``[index]``)."""
        if not prefix:
            return self
        if not self.path:
            path = prefix
        elif self.path.startswith("["):
            path = prefix + self.path
        else:
            path = f"{prefix}.{self.path}"
        return attrs.evolve(self, path=path)

    def __str__(self) -> str:
        where = self.path or "(input)"
        return f"{where}: {self.message}"


class CommonsError(Exception):
    """Base class of every error the SDK raises on purpose.

    ``zh`` and ``en`` hold the message in both languages; ``str(error)``
    gives both, Chinese first.
    """

    def __init__(self, zh: str, en: str) -> None:
        self.zh = zh
        self.en = en
        super().__init__(f"{zh} / {en}")


class ValidationError(CommonsError):
    """Input broke one or more rules; ``problems`` lists all of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        super().__init__(f"输入有 {count} 处错误", f"the input has {count} problem(s)")

    def __str__(self) -> str:
        lines = [super().__str__(), *(f"  {p}" for p in self.problems)]
        return "\n".join(lines)

    @classmethod
    def single(cls, path: str, value: Any, code: str, zh: str, en: str) -> ValidationError:
        """An error holding exactly one problem."""
        return cls([Problem(path=path, value=value, code=code, zh=zh, en=en)])

    def under(self, prefix: str) -> ValidationError:
        """The same problems, each with its path placed under ``prefix``."""
        return ValidationError(p.under(prefix) for p in self.problems)


def raise_if_any(problems: Sequence[Problem]) -> None:
    """Raise :class:`ValidationError` when ``problems`` is not empty."""
    if problems:
        raise ValidationError(problems)


class NotFound(CommonsError):
    """No such record, or none the current actor may see (the two look alike on purpose)."""

    def __init__(self, entity: str, key: object) -> None:
        self.entity = entity
        self.key = key
        super().__init__(f"找不到{entity}:{key}", f"no {entity} {key}")


class AccessDenied(CommonsError):
    """The actor lacks the permission an operation needs."""

    def __init__(self, actor: str, permission: str, record: str | None = None) -> None:
        self.actor = actor
        self.permission = permission
        self.record = record
        on = f"({record})" if record else ""
        on_en = f" on {record}" if record else ""
        super().__init__(
            f"用户 {actor} 没有权限 {permission}{on}",
            f"actor {actor} lacks permission {permission}{on_en}",
        )


class ConflictError(CommonsError):
    """A write was based on a stale copy: someone else changed the record first."""

    def __init__(self, entity: str, key: object, expected_version: int) -> None:
        self.entity = entity
        self.key: object = key
        self.expected_version: int | None = expected_version
        super().__init__(
            f"{entity} {key} 已被他人修改(版本 {expected_version} 已过期),请重新读取后再改",
            f"{entity} {key} was changed by someone else (version {expected_version} is stale);"
            " read it again and retry",
        )


class DuplicateError(ConflictError):
    """A write would store a value that must be unique and is taken already.

    Raised for every unique-constraint violation (SQLite and PostgreSQL
    alike) instead of the database's error. ``fields`` names the fields that
    must be unique together (``("id_number",)``; empty when the database did
    not say); the values are never part of the error, since they may be
    sensitive. The answer is the same whether the record holding the value
    is in the actor's scope or not. ``names`` gives the bilingual labels
    ``(zh, en)`` of the entity and the fields, by name.
    """

    def __init__(
        self,
        entity: str,
        fields: Sequence[str],
        names: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        self.entity = entity
        self.key = None
        self.expected_version = None
        self.fields = tuple(fields)
        labels = names or {}
        entity_zh, entity_en = labels.get(entity, (entity, entity))
        zh = "、".join(labels.get(f, (f, f))[0] for f in self.fields) or "唯一值"
        en = " and ".join(labels.get(f, (f, f))[1] for f in self.fields) or "a unique value"
        CommonsError.__init__(
            self,
            f"{entity_zh}的{zh}已被另一条记录使用,不能重复",
            f"{entity_en}: another record already has this {en}, which must be unique",
        )

    @property
    def problems(self) -> tuple[Problem, ...]:
        """The error as one problem per field (code ``unique``), for showing next to inputs."""
        return tuple(
            Problem(field, None, "unique", self.zh, self.en) for field in self.fields or ("",)
        )


class PluginError(CommonsError):
    """A plugin failed to load or failed inside one of its hooks."""

    def __init__(self, plugin: str, zh: str, en: str) -> None:
        self.plugin = plugin
        super().__init__(f"插件 {plugin}:{zh}", f"plugin {plugin}: {en}")


class ConfigurationError(CommonsError):
    """The SDK was set up wrongly (bad database URL, missing migration, unknown name …)."""
