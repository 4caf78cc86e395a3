"""The use cases behind both the pages and the JSON API, so both behave alike.

Each takes an open unit of work (acting as the logged-in user) and input as
plain data; bad input raises the SDK's :class:`ValidationError`, refused
access :class:`AccessDenied`, and records out of scope :class:`NotFound`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID

import attrs

from commons_core.errors import AccessDenied, NotFound, ValidationError
from commons_core.model import (
    Community,
    Household,
    HouseholdRegistration,
    Resident,
    sensitive_fields,
)
from commons_core.reports import ReportParams
from commons_core.services import UnitOfWork
from commons_core.services.audit import AuditEntry, read_entries
from commons_reference.forms import clean_input, merge_update
from commons_reference.queries import AgeBand, EthnicCount, age_pyramid, ethnic_composition

__all__ = [
    "HouseholdDetail",
    "Overview",
    "add_member",
    "audit_entries",
    "community",
    "household",
    "household_detail",
    "overview",
    "register_household",
    "resident",
    "update_household",
    "update_resident",
]


@attrs.frozen
class Overview:
    """The community overview: the ``community-summary`` figures and the two charts' data."""

    summary: dict[str, Any]
    age_pyramid: list[AgeBand]
    ethnicities: list[EthnicCount]


@attrs.frozen
class HouseholdDetail:
    """A household with its active members, masked unless revealed."""

    household: Household
    members: list[Resident]
    revealed: bool = False


def community(uow: UnitOfWork, community_id: UUID) -> Community:
    """The community, if the actor may see it (else :class:`NotFound`)."""
    return uow.repo(Community).get(community_id)


def overview(uow: UnitOfWork, place: Community, day: date) -> Overview:
    """Figures and chart data of ``place`` as the actor may see them."""
    summary = uow.commons.reports["community-summary"].run(uow, place, ReportParams(as_of=day))
    return Overview(
        summary=summary.data,
        age_pyramid=age_pyramid(uow, place.id, day),
        ethnicities=ethnic_composition(uow, place.id),
    )


def household(
    uow: UnitOfWork, community_id: UUID, household_id: UUID, *, reveal: bool = False
) -> Household:
    """A household of this community (:class:`NotFound` if it is elsewhere or out of scope)."""
    found = uow.households.get(household_id, reveal=reveal)
    if found.community_id != community_id:
        raise NotFound("household", household_id)
    return found


def resident(
    uow: UnitOfWork, community_id: UUID, resident_id: UUID, *, reveal: bool = False
) -> Resident:
    """A resident of this community (:class:`NotFound` if elsewhere or out of scope)."""
    found = uow.residents.get(resident_id, reveal=reveal)
    if found.community_id != community_id:
        raise NotFound("resident", resident_id)
    return found


def may_reveal(uow: UnitOfWork, model: type) -> bool:
    """Whether the actor may see every sensitive field of ``model`` in clear."""
    kinds = set(sensitive_fields(model).values())
    return bool(kinds) and all(uow.can(kind.permission) for kind in kinds)


def household_detail(
    uow: UnitOfWork, community_id: UUID, household_id: UUID, *, reveal: bool = False
) -> HouseholdDetail:
    """A household and its members; ``reveal`` shows what the actor may see in clear (audited).

    Revealing is all or nothing per entity, as the SDK checks it: members are
    revealed only for actors who may see both ID numbers and phones. Asking
    to reveal with no permission to reveal either is :class:`AccessDenied`.
    """
    show_household = reveal and may_reveal(uow, Household)
    show_members = reveal and may_reveal(uow, Resident)
    if reveal and not (show_household or show_members):
        raise AccessDenied(uow.actor.username, "reveal:*", f"household {household_id}")
    found = household(uow, community_id, household_id, reveal=show_household)
    members = uow.households.members(found.id, reveal=show_members)
    return HouseholdDetail(found, members, revealed=show_household or show_members)


def _with_community(data: Any, community_id: UUID) -> Any:
    # The community comes from the URL, never from the form or the JSON body.
    if isinstance(data, Mapping):
        return {**data, "community_id": str(community_id)}
    return data


def register_household(
    uow: UnitOfWork, community_id: UUID, data: Mapping[str, Any]
) -> HouseholdRegistration:
    """Register a household with its members from input shaped like ``HouseholdRegistration``."""
    payload = dict(data)
    payload["household"] = _with_community(payload.get("household"), community_id)
    members = payload.get("members")
    if isinstance(members, list):
        payload["members"] = [_with_community(m, community_id) for m in members]
    registration = uow.commons.structure(
        clean_input(payload, HouseholdRegistration), HouseholdRegistration
    )
    return uow.households.register(registration)


def update_household(
    uow: UnitOfWork, community_id: UUID, household_id: UUID, data: Mapping[str, Any]
) -> Household:
    """Change a household; fields left out keep their values, masked ones their stored value.

    ``data`` must carry the ``version`` read (422 otherwise); the answer is
    masked as a read without ``reveal``. Refused first, before the input is
    looked at, for an actor who may not change households.
    """
    uow.require("household:update", f"household {household_id}")
    current = household(uow, community_id, household_id)
    return uow.households.update(merge_update(uow.commons, current, data))


def add_member(
    uow: UnitOfWork, community_id: UUID, household_id: UUID, data: Mapping[str, Any]
) -> Resident:
    """Add a resident to a household of this community."""
    place = household(uow, community_id, household_id)
    payload = {**_with_community(data, community_id), "household_id": str(place.id)}
    person = uow.commons.structure(clean_input(payload, Resident), Resident)
    return uow.residents.add(person)


def update_resident(
    uow: UnitOfWork, community_id: UUID, resident_id: UUID, data: Mapping[str, Any]
) -> Resident:
    """Change a resident; a masked ID number or phone left as it is keeps its stored value.

    As :func:`update_household`: ``version`` required, the answer masked.
    """
    uow.require("resident:update", f"resident {resident_id}")
    current = resident(uow, community_id, resident_id)
    return uow.residents.update(merge_update(uow.commons, current, data))


def audit_entries(
    uow: UnitOfWork,
    community_id: UUID,
    *,
    entity: str | None = None,
    since: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[AuditEntry]:
    """A page of the community's audit trail, newest first (needs ``audit:read``)."""
    uow.require("audit:read", "audit trail")
    community(uow, community_id)
    return list(
        read_entries(
            uow.connection,
            community_ids=[community_id],
            entity=entity or None,
            since=since,
            limit=limit,
            offset=offset,
            newest_first=True,
        )
    )


def parse_day(value: str | None, path: str) -> date | None:
    """A date query parameter, or a :class:`ValidationError` naming it."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError.single(
            path, value, "type.date", "应为日期 YYYY-MM-DD", "must be a date YYYY-MM-DD"
        ) from None
