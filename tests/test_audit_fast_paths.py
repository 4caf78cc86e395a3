"""The audit trail's fast paths for bulk writes give exactly what its definitions give."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import attrs
from hypothesis import given
from hypothesis import strategies as st

from commons_core import Actor
from commons_core.access import mask_value
from commons_core.model import sensitive_fields
from commons_core.services import Commons
from commons_core.services.audit import _entry_head, _HeadMaker, _Pending

from .samples import every_sample


@given(
    community=st.uuids(),
    seq=st.integers(min_value=1, max_value=2**62),
    at=st.datetimes(timezones=st.none() | st.just(UTC) | st.timezones()),
    actor=st.text(),
    action=st.sampled_from(["create", "update", "delete", "reveal", "export"]),
    entity=st.text(),
    key=st.text(),
)
def test_audit_heads_made_per_flush_equal_the_canonical_json(
    community: UUID, seq: int, at: datetime, actor: str, action: str, entity: str, key: str
) -> None:
    """The chain's hash covers ``_entry_head``: the flush's faster heads must be the same text."""
    pending = _Pending(
        community_id=community,
        at=at,
        actor=actor,
        action=action,
        entity=entity,
        key=key,
        changes={},
    )
    maker = _HeadMaker(community)
    expected = _entry_head(community, seq, at, actor, action, entity, key)
    assert maker.make(seq, pending) == expected
    assert maker.make(seq, pending) == expected  # again, from its caches


def test_audit_changes_generated_per_model_keep_plain_mask_sensitive(
    commons: Commons, admin: Actor
) -> None:
    """Every sample record created or deleted: values unstructured as the codec does, sensitive
    ones masked, as ``[old, new]`` pairs."""
    with commons.unit_of_work(admin, readonly=True) as uow:
        models = {e.model for e in commons.entities}
        for record in every_sample():
            if type(record) not in models:
                continue  # a value inside records (opening hours), not stored alone
            repo = uow.repo(type(record))
            sensitive = sensitive_fields(type(record))
            expected: dict[str, Any] = {}
            for field in attrs.fields(type(record)):
                value = getattr(record, field.name)
                if value is None or field.name == "version":
                    continue
                kind = sensitive.get(field.name)
                if kind is None:
                    expected[field.name] = commons.codec.unstructure(value)
                else:
                    expected[field.name] = (
                        mask_value(value, kind) if isinstance(value, str) else "***"
                    )
            name = type(record).__name__
            created = repo._audit_created(record, repo._unstructure)
            deleted = repo._audit_deleted(record, repo._unstructure)
            assert created == {k: [None, v] for k, v in expected.items()}, name
            assert deleted == {k: [v, None] for k, v in expected.items()}, name
