"""Domain events: what happened, handed to plugins once per batch.

Events are produced by the services as changes are made, and delivered to
plugins twice: inside the unit of work before it commits
(``commons_on_events``, where a plugin may write and may veto by raising),
and after commit (``commons_events_committed``, for notifications).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

import attrs

from .enums import HouseholdStatus, LifeEventKind
from .fields import Label, label

__all__ = [
    "DomainEvent",
    "HouseholdStatusChanged",
    "LifeEvent",
    "ResidentAnonymised",
    "ResidentDeceased",
    "ResidentMovedIn",
    "ResidentMovedOut",
    "ResidentRegistered",
]


@attrs.frozen(kw_only=True)
class DomainEvent:
    """Base of every domain event: which community, and on what day it happened."""

    LABEL: ClassVar[Label] = Label("事件", "event")

    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    occurred_on: date = attrs.field(metadata=label("发生日期", "occurred on"))


@attrs.frozen(kw_only=True)
class ResidentRegistered(DomainEvent):
    """A resident was entered in the register (new record)."""

    LABEL: ClassVar[Label] = Label("居民登记", "resident registered")

    resident_id: UUID = attrs.field(metadata=label("居民", "resident"))
    household_id: UUID | None = attrs.field(default=None, metadata=label("户", "household"))
    birth_date: date = attrs.field(metadata=label("出生日期", "birth date"))


@attrs.frozen(kw_only=True)
class ResidentMovedIn(DomainEvent):
    """A resident moved into a household of the community."""

    LABEL: ClassVar[Label] = Label("居民迁入", "resident moved in")

    resident_id: UUID = attrs.field(metadata=label("居民", "resident"))
    household_id: UUID | None = attrs.field(default=None, metadata=label("户", "household"))


@attrs.frozen(kw_only=True)
class ResidentMovedOut(DomainEvent):
    """A resident moved out of the community."""

    LABEL: ClassVar[Label] = Label("居民迁出", "resident moved out")

    resident_id: UUID = attrs.field(metadata=label("居民", "resident"))
    household_id: UUID | None = attrs.field(default=None, metadata=label("户", "household"))


@attrs.frozen(kw_only=True)
class ResidentDeceased(DomainEvent):
    """A resident died."""

    LABEL: ClassVar[Label] = Label("居民死亡", "resident deceased")

    resident_id: UUID = attrs.field(metadata=label("居民", "resident"))
    household_id: UUID | None = attrs.field(default=None, metadata=label("户", "household"))


@attrs.frozen(kw_only=True)
class ResidentAnonymised(DomainEvent):
    """A departed resident's personal data was removed after the retention period.

    Plugins holding data about the resident remove or anonymise it in the
    same unit of work.
    """

    LABEL: ClassVar[Label] = Label("居民信息已匿名化", "resident anonymised")

    resident_id: UUID = attrs.field(metadata=label("居民", "resident"))


@attrs.frozen(kw_only=True)
class HouseholdStatusChanged(DomainEvent):
    """A household gained or lost special statuses (低保, 困难, 残疾)."""

    LABEL: ClassVar[Label] = Label("特殊户类别变更", "household status changed")

    household_id: UUID = attrs.field(metadata=label("户", "household"))
    before: frozenset[HouseholdStatus] = attrs.field(metadata=label("变更前", "before"))
    after: frozenset[HouseholdStatus] = attrs.field(metadata=label("变更后", "after"))

    @property
    def lost(self) -> frozenset[HouseholdStatus]:
        """Statuses the household no longer has."""
        return self.before - self.after

    @property
    def gained(self) -> frozenset[HouseholdStatus]:
        """Statuses the household newly has."""
        return self.after - self.before


@attrs.frozen(kw_only=True)
class LifeEvent:
    """One entry in the history of a resident or household (变动记录); never overwritten."""

    LABEL: ClassVar[Label] = Label("变动记录", "life event")

    id: UUID = attrs.field(metadata=label("编号", "id"))
    community_id: UUID = attrs.field(metadata=label("社区", "community"))
    kind: LifeEventKind = attrs.field(metadata=label("类别", "kind"))
    occurred_on: date = attrs.field(metadata=label("发生日期", "occurred on"))
    resident_id: UUID | None = attrs.field(
        default=None, metadata=label("居民", "resident", references="resident")
    )
    household_id: UUID | None = attrs.field(
        default=None, metadata=label("户", "household", references="household")
    )
    detail: str | None = attrs.field(default=None, metadata=label("说明", "detail"))
