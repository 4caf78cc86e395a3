"""Record ids: UUIDs whose first bits are the time they were made (version 7, RFC 9562).

Every community-scoped table's primary key is ``(community_id, id)``. With
random (version 4) ids each new row lands on a random page of that index and
of every index that refers to it, so a large load touches pages all over the
file (SQLite's cache, PostgreSQL's shared buffers); time-ordered ids append
at the index's right edge, and records made together sit together. The ids
are still unique and unguessable enough for keys (74 random bits); they
reveal when a record was made, which the audit trail records anyway.
"""

from __future__ import annotations

from uuid import UUID

from uuid_utils.compat import uuid7

__all__ = ["new_id"]


def new_id() -> UUID:
    """A new record id: a standard :class:`uuid.UUID`, version 7 (time-ordered)."""
    return uuid7()
