"""Writing a sensitive field needs the permission to see it, or ``set:<kind>``.

No mass assignment of what an actor may not see: a grid worker without
``reveal:assistance`` cannot make a household 低保 (which decides who may buy
at the love supermarket) by sending ``statuses``, whatever face sends it.
Every repository write goes through :class:`SensitiveWrites`, so core's
entities and plugins' are guarded alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sized
from typing import Any

from commons_core.access import mask_value
from commons_core.errors import AccessDenied
from commons_core.model import Sensitivity

__all__ = ["SensitiveWrites", "set_permission"]


def set_permission(kind: Sensitivity) -> str:
    """The permission to write fields of ``kind`` without seeing them: ``set:<kind>``.

    Writing a sensitive field needs it or ``reveal:<kind>``.
    """
    return f"set:{kind.value}"


class SensitiveWrites:
    """The sensitive fields of one entity that one actor may not write, and the checks.

    :param actor: the actor's name, for the error.
    :param entity: the entity's name, for the error (``household.statuses``).
    :param sensitive: the entity's sensitive fields and their kinds.
    :param can: whether the actor has a permission.
    """

    def __init__(
        self,
        actor: str,
        entity: str,
        sensitive: Mapping[str, Sensitivity],
        can: Callable[[str], bool],
    ) -> None:
        self.actor = actor
        self.entity = entity
        self.unwritable = {
            name: kind
            for name, kind in sensitive.items()
            if not (can(kind.permission) or can(set_permission(kind)))
        }

    def check_new(self, obj: Any) -> None:
        """A new record may set no field the actor may not write (empty is not set)."""
        if self.unwritable:
            self._refuse(n for n in self.unwritable if _has_value(getattr(obj, n)))

    def check_update(self, obj: Any, current: Any) -> None:
        """A changed record must give each field the actor may not write as they read it:
        masked (the stored value is then kept), whatever the stored value is."""
        if self.unwritable:
            self._refuse(
                name
                for name, kind in self.unwritable.items()
                if not _as_read(getattr(obj, name), getattr(current, name), kind)
            )

    def _refuse(self, names: Iterable[str]) -> None:
        for name in names:
            raise AccessDenied(
                self.actor, set_permission(self.unwritable[name]), f"{self.entity}.{name}"
            )


def _as_read(given: Any, stored: Any, kind: Sensitivity) -> bool:
    """Whether ``given`` is a sensitive field as an actor who may not see it read it: the
    masked form of ``stored``, or ``None`` for a value withheld (every value not text).

    The stored value sent in clear is not, nor an empty set for a withheld one:
    an actor who may not see the value must not learn from the write being
    taken or refused that a guess was right (that a household has no status).
    """
    return given == mask_value(stored, kind) or (given is None and not isinstance(stored, str))


def _has_value(value: Any) -> bool:
    """Whether a field's value says something: not ``None``, nor an empty text or set."""
    return value is not None and not (isinstance(value, Sized) and len(value) == 0)
