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
    "AmbiguousReference",
    "CommonsError",
    "ConfigurationError",
    "ConflictError",
    "DuplicateError",
    "FilterError",
    "NotFound",
    "PluginError",
    "Problem",
    "ReadOnlyError",
    "Refused",
    "UsageError",
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


class AmbiguousReference(CommonsError):
    """A name or number given to find one record matches several: the id must be given.

    Raised by :func:`commons_core.services.lookup.lookup` instead of picking one of
    them. ``candidates`` holds the ids of the records that match (at most
    :data:`MAX_CANDIDATES` of them; ``count`` says how many match in all), all in
    the actor's scope; ``path`` names the input the reference came from
    (``household_no``, ``--community``), and :attr:`problems` gives the error as
    one problem there, for showing next to that input.
    """

    MAX_CANDIDATES = 10
    """How many candidates' ids the message lists at the most."""

    def __init__(
        self,
        entity: tuple[str, str],
        column: tuple[str, str],
        reference: str,
        candidates: Sequence[object],
        *,
        count: int | None = None,
        path: str = "",
    ) -> None:
        self.entity = entity
        self.column = column
        self.reference = reference
        self.candidates = tuple(candidates[: self.MAX_CANDIDATES])
        self.count = max(count or 0, len(candidates))
        self.path = path
        ids = ", ".join(str(c) for c in self.candidates)
        more = self.count - len(self.candidates)
        more_zh = f" 等(另有 {more} 条)" if more > 0 else ""
        more_en = f" and {more} more" if more > 0 else ""
        super().__init__(
            f"{column[0]}为“{reference}”的{entity[0]}有 {self.count} 条({ids}{more_zh}),"
            "请改用编号指明",
            f"{self.count} {entity[1]} records have the {column[1]} {reference!r}"
            f" ({ids}{more_en}): give the id instead",
        )

    @property
    def problems(self) -> tuple[Problem, ...]:
        """The error as one problem at :attr:`path` (code ``reference.ambiguous``)."""
        return (Problem(self.path, self.reference, "reference.ambiguous", self.zh, self.en),)


class Refused(CommonsError):
    """A domain rule does not allow the operation now; nothing was written.

    The input itself is sound (a :class:`ValidationError` says when it is not):
    it is the state of the records that refuses — not enough in stock, over a
    quota, a household that may not buy. ``code`` names the rule, prefixed with
    the plugin's name like its rule codes (``love_supermarket.out_of_stock``).
    The web app answers 409, the command line exits with 3.
    """

    def __init__(self, code: str, zh: str, en: str) -> None:
        self.code = code
        super().__init__(zh, en)


class UsageError(CommonsError):
    """An interface was used wrongly: options that exclude each other, a missing choice.

    For mistakes of the person at the command line (or of an API client) that are
    not about one field's value; the command line prints it as one line and exits
    with 2, like its own usage errors, and the web app answers 400. A mistake in
    code (a programming error) is a :class:`ConfigurationError` instead.
    """


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
    """The SDK was set up wrongly (bad database URL, missing migration, unknown name …).

    A programming or deployment mistake, not something the person using the
    application did: see :class:`UsageError`, :class:`Refused` and
    :class:`AmbiguousReference` for those.
    """


class ReadOnlyError(ConfigurationError):
    """A write in a read-only unit of work (``commons.unit_of_work(actor, readonly=True)``).

    Refused by the SDK before it reaches the database (a repository's writes, an
    entry of the audit trail), and by the database itself for SQL sent on
    ``uow.connection`` (the transaction is ``READ ONLY`` on PostgreSQL,
    ``PRAGMA query_only`` on SQLite). A read that is audited (a reveal, an export)
    writes the trail, so it is not read-only. ``operation`` names what was refused
    (``create resident``, ``audit reveal of resident``, ``SQL``).
    """

    def __init__(self, operation: str) -> None:
        self.operation = operation
        super().__init__(
            f"只读工作单元不能写入({operation});请不带 readonly=True 打开工作单元"
            "(显示敏感值与导出要记入审计,也是写入)",
            f"a read-only unit of work cannot write ({operation}); open the unit of work"
            " without readonly=True (a reveal or an export is recorded in the audit trail,"
            " which is a write)",
        )


class FilterError(ConfigurationError, TypeError):
    """A repository was given a criterion or an ordering that is not an SQL expression.

    Comparing a model class's attribute (``Resident.name == "x"``) gives Python's
    ``False``, which as a filter would silently match nothing: compare the table's
    column instead (``uow.residents.table.c.name == "x"``). Also a ``TypeError``.
    ``where`` is ``criterion`` or ``order_by``, ``index`` the item's place (from 1).
    """

    def __init__(self, where: str, index: int, value: object, example: str) -> None:
        self.where = where
        self.index = index
        self.value = value
        shown = f"{value!r}"[:80]
        what_zh = f"排序第 {index} 项" if where == "order_by" else f"第 {index} 个条件"
        what_en = f"order_by item {index}" if where == "order_by" else f"criterion {index}"
        super().__init__(
            f"{what_zh}是 {shown}({type(value).__name__}),不是 SQL 表达式"
            f"(比较模型类的属性只得到 Python 的真假值):请用表的列,例如 {example}",
            f"{what_en} is {shown} ({type(value).__name__}), not an SQL expression"
            f" (comparing a model class's attribute gives a Python bool): use the table's"
            f" columns, e.g. {example}",
        )
