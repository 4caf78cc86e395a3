"""Links between records: a write may point only at records the actor may see.

A link (a foreign key other than ``community_id``) to a record that does not
exist and one to a record outside the actor's scope get the same answer, a
``reference.missing`` problem on the link's field, so a write cannot be used
to learn what exists beyond the scope (a grid worker moving a resident into
another zone's household learns nothing a missing household would not say).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, select, tuple_

from commons_core.errors import Problem, ValidationError

if TYPE_CHECKING:
    from commons_core.services.unit_of_work import UnitOfWork

__all__ = ["check_references"]

CHUNK = 500
"""Keys looked up per query."""


def check_references(
    uow: UnitOfWork,
    table: Table,
    objs: Sequence[Any],
    fields: Sequence[str],
    changed: set[str] | None = None,
) -> None:
    """Raise :class:`ValidationError` unless every link of ``objs`` (records of ``table`` with
    the attributes ``fields``) points at a record of the same community that the actor may see.

    On update only the links that changed are checked (``changed``).
    """
    problems: list[Problem] = []
    for fk in table.foreign_key_constraints:
        local = [c.name for c in fk.columns]
        links = [c for c in local if c != "community_id"]
        if not links or links[0] not in fields:
            continue
        if changed is not None and not changed.intersection(links):
            continue
        target = fk.referred_table
        remote = [e.column.name for e in fk.elements]
        wanted = {
            tuple(getattr(o, c) for c in local)
            for o in objs
            if all(getattr(o, c) is not None for c in local)
        }
        if not wanted:
            continue
        found: set[tuple[Any, ...]] = set()
        if target is table:
            # Records of one batch may refer to each other (a committee's parent).
            found.update(tuple(getattr(o, c) for c in remote) for o in objs)
        if remote == [c.name for c in target.primary_key.columns]:
            # Inserted by this unit of work, so in scope: the insert checked it.
            found.update(wanted.intersection(uow.recently_inserted(target)))
        found.update(_visible(uow, target, remote, sorted(wanted - found, key=str)))
        missing = wanted - found
        if not missing:
            continue
        for i, obj in enumerate(objs):
            key = tuple(getattr(obj, c) for c in local)
            if key in missing:
                path = links[0] if len(objs) == 1 else f"[{i}].{links[0]}"
                problems.append(
                    Problem(
                        path,
                        str(key[-1]),
                        "reference.missing",
                        f"引用的{target.name}不存在或不属于本社区",
                        f"refers to a {target.name} that does not exist in this community",
                    )
                )
    if problems:
        raise ValidationError(problems)


def _visible(
    uow: UnitOfWork, target: Table, remote: list[str], keys: list[tuple[Any, ...]]
) -> set[tuple[Any, ...]]:
    """Those of ``keys`` (values of the columns ``remote``) that the actor may see in ``target``."""
    columns = [target.c[c] for c in remote]
    entity = next((e for e in uow.commons.entities if e.table is target), None)
    condition = uow.scope_condition(entity) if entity is not None else None
    found: set[tuple[Any, ...]] = set()
    for start in range(0, len(keys), CHUNK):
        query = select(*columns).where(tuple_(*columns).in_(keys[start : start + CHUNK]))
        if condition is not None:
            query = query.where(condition)
        found.update(tuple(r) for r in uow.connection.execute(query))
    return found
