"""Find one record by its id or by what people call it: a name, a number.

What a person types at the command line or into a form (``--household WHL00012``,
``--route 东片夜巡``) names a record. :func:`lookup` finds it inside the actor's
scope and, if asked, one community, and never guesses::

    with commons.unit_of_work(clerk) as uow:
        home = lookup(uow, Household, "WHL00012", by="household_no", community_id=place.id)
        rice = lookup(uow, Item, "大米", community_id=place.id, path="lines[0].item")

- text that is a UUID is the record's id;
- anything else is compared with the column ``by`` (``name`` by default),
  normalised like stored text (NFC, no surrounding space);
- no match is :class:`~commons_core.errors.NotFound` (a record out of scope
  looks absent, as everywhere);
- several matches are :class:`~commons_core.errors.AmbiguousReference`,
  listing the ids of the candidates, never the first of them.

The search goes through the entity's repository, so it needs ``<entity>:list``
(``<entity>:read`` for an id) and the query guard applies: looking up by a
sensitive column needs the permission to reveal it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

import attrs

from commons_core.errors import AmbiguousReference, ConfigurationError, NotFound, ValidationError
from commons_core.model.fields import field_info, model_label
from commons_core.validation.rules import RuleViolation, normalise_text

if TYPE_CHECKING:
    from commons_core.services.unit_of_work import UnitOfWork

__all__ = ["lookup"]

T = TypeVar("T")


def lookup(
    uow: UnitOfWork,
    model: type[T],
    reference: str,
    *,
    by: str = "name",
    community_id: UUID | None = None,
    path: str = "",
) -> T:
    """The one record of ``model`` whose id is ``reference``, or whose ``by`` column equals it.

    :param by: the column people know the record by (``name``, ``household_no``).
    :param community_id: look in this community only (the actor's scope applies anyway).
    :param path: the input the reference came from, named in the errors.
    :raises NotFound: nothing matches in scope.
    :raises AmbiguousReference: several records match; their ids are listed.
    :raises ValidationError: the reference is empty (or holds a control character).
    """
    repo = uow.repo(model)
    fields = attrs.fields_dict(repo.entity.model)
    if by not in repo.table.c or by not in fields:
        raise ConfigurationError(
            f"{repo.name} 没有列 {by},不能按它查找",
            f"{repo.name} has no column {by} to look records up by",
        )
    if community_id is not None and "community_id" not in repo.table.c:
        raise ConfigurationError(
            f"{repo.name} 不属于社区,不能按社区查找",
            f"{repo.name} records belong to no community: look them up without community_id",
        )
    text = _cleaned(reference, path)
    try:
        key = UUID(text)
    except ValueError:
        pass
    else:
        record = repo.get(key)
        if community_id is not None and getattr(record, "community_id", None) != community_id:
            raise NotFound(repo.name, text)
        return record
    here = [] if community_id is None else [repo.table.c.community_id == community_id]
    condition = repo.table.c[by] == text
    found = repo.find(*here, condition, limit=AmbiguousReference.MAX_CANDIDATES + 1)
    if not found:
        raise NotFound(repo.name, text)
    if len(found) == 1:
        return found[0]
    count = len(found)
    if count > AmbiguousReference.MAX_CANDIDATES:
        count = repo.count(*here, condition)
    entity = model_label(model)
    column = field_info(fields[by]).label
    raise AmbiguousReference(
        (entity.zh, entity.en),
        (column.zh, column.en),
        text,
        [getattr(record, "id", None) for record in found],
        count=count,
        path=path,
    )


def _cleaned(reference: str, path: str) -> str:
    """``reference`` as stored text is kept; empty is a problem of ``path``."""
    try:
        text = normalise_text(reference)
    except RuleViolation as violation:
        raise ValidationError.single(
            path, reference, violation.code, violation.zh, violation.en
        ) from None
    if not text:
        raise ValidationError.single(path, reference, "required", "不能为空", "must not be empty")
    return text
