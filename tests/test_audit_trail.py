"""The audit trail survives a writer (issue 14, item 8).

The attacker here can write the database (the owner's connection, or the raw
SQLite file) but has not got the key file. Every tampering the issue lists is
tried; ``commons audit verify`` must fail on each, and pass on the untouched
trail, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from sqlalchemy import delete, func, select, update

from commons_core import Actor, KeyRing, open_commons
from commons_core.demo import store_community
from commons_core.demo.generate import CommunityData
from commons_core.services import Commons
from commons_core.services.audit import (
    GENESIS,
    AuditEntry,
    ChainKey,
    _chained_text,
    _dumps,
    _entry_head,
    entry_digest,
    read_entries,
)
from commons_core.services.audit_check import (
    check_checkpoint,
    latest_checkpoint,
    make_checkpoint,
    verify_trail,
    write_checkpoint,
)
from commons_core.storage.tables import audit_entry, audit_head

from .samples import small_community


@pytest.fixture
def stored(commons: Commons, admin: Actor) -> CommunityData:
    data = small_community()
    with commons.unit_of_work(admin) as uow:
        store_community(uow, data)
    return data


def reasons(commons: Commons, checkpoint_dir: Path | None = None) -> list[str]:
    with commons.engine.begin() as conn:
        _, problems = verify_trail(conn, commons.keys)
        if checkpoint_dir is not None:
            found = latest_checkpoint(checkpoint_dir, commons.keys)
            assert found is not None
            problems += check_checkpoint(conn, found)
    return [p.reason for p in problems]


def checkpoint(commons: Commons, folder: Path) -> None:
    with commons.engine.begin() as conn:
        write_checkpoint(make_checkpoint(conn, commons.keys, "test"), folder)


def newest(conn: Any, community: Any) -> int:
    return int(
        conn.execute(
            select(func.max(audit_entry.c.seq)).where(audit_entry.c.community_id == community)
        ).scalar_one()
    )


def rechain(
    conn: Any,
    community: Any,
    sign: Callable[[AuditEntry, str], str],
    change: Callable[[AuditEntry], dict[str, Any]] = lambda entry: {},
) -> None:
    """Rewrite a community's chain as an attacker who can write the database: each entry
    changed by ``change``, hashed by ``sign(entry, prev)``, linked, and the head moved."""
    prev = GENESIS
    for entry in list(read_entries(conn, community_ids=[community])):
        values = change(entry)
        digest = sign(attrs.evolve(entry, **values), prev)
        conn.execute(
            update(audit_entry)
            .where(audit_entry.c.community_id == community, audit_entry.c.seq == entry.seq)
            .values(prev_hash=prev, hash=digest, **values)
        )
        prev = digest
    conn.execute(update(audit_head).where(audit_head.c.community_id == community).values(hash=prev))


def unkeyed(entry: AuditEntry, prev: str) -> str:
    """The canonical text of an entry under plain SHA-256: what the source tells, no key."""
    head = _entry_head(
        entry.community_id,
        entry.seq,
        entry.at,
        entry.actor,
        entry.action,
        entry.entity,
        entry.key,
        entry.where,
    )
    return hashlib.sha256(_chained_text(head, _dumps(entry.changes), prev).encode()).hexdigest()


def test_the_untouched_trail_verifies(commons: Commons, stored: CommunityData) -> None:
    assert reasons(commons) == []


def test_an_entry_edited_and_its_chain_recomputed_without_the_key_is_detected(
    commons: Commons, stored: CommunityData
) -> None:
    community = stored.community.id
    with commons.engine.begin() as conn:
        conn.execute(
            update(audit_entry)
            .where(audit_entry.c.community_id == community, audit_entry.c.seq == 5)
            .values(actor="mallory")
        )
        rechain(conn, community, unkeyed)
    found = reasons(commons)
    assert found and set(found) == {"entry was altered"}


def test_an_entry_edited_and_resigned_with_another_key_is_detected(
    commons: Commons, stored: CommunityData
) -> None:
    """The attacker's own key file: the chain links, but not under this deployment's key."""
    community = stored.community.id
    forger = ChainKey(commons.keys.current, KeyRing.generate().derive("audit-chain"))
    with commons.engine.begin() as conn:
        rechain(
            conn,
            community,
            lambda entry, prev: entry_digest(forger, entry, prev),
            lambda entry: {"actor": "mallory"} if entry.seq == 5 else {},
        )
    found = reasons(commons)
    assert found and set(found) == {"entry was altered"}


def test_deleting_a_whole_trail_and_its_head_is_detected(
    commons: Commons, stored: CommunityData, tmp_path: Path
) -> None:
    checkpoint(commons, tmp_path)
    community = stored.community.id
    with commons.engine.begin() as conn:
        conn.execute(delete(audit_entry).where(audit_entry.c.community_id == community))
        conn.execute(delete(audit_head).where(audit_head.c.community_id == community))
    # Without a checkpoint: the community exists but has no trail.
    assert "the community has no audit trail (deleted?)" in reasons(commons)
    # With one: the entry it recorded is gone.
    assert any("is gone" in r for r in reasons(commons, tmp_path))


def test_deleting_the_trail_of_no_community_is_detected(
    commons: Commons, stored: CommunityData, admin: Actor
) -> None:
    """User accounts' entries live on the chain of no community: it cannot just vanish."""
    from commons_core import Scope
    from commons_core.services.audit import NO_COMMUNITY
    from commons_core.services.users import UserService

    with commons.unit_of_work(admin) as uow:
        UserService(uow).create(
            "district", roles=["administrator"], scope=Scope.everything(), password="x" * 12
        )
    assert reasons(commons) == []
    with commons.engine.begin() as conn:
        conn.execute(delete(audit_entry).where(audit_entry.c.community_id == NO_COMMUNITY))
        conn.execute(delete(audit_head).where(audit_head.c.community_id == NO_COMMUNITY))
    assert reasons(commons) == ["the trail of no community (user accounts) is missing (deleted?)"]


def test_deleting_the_newest_entries_and_rewinding_the_head_is_detected(
    commons: Commons, stored: CommunityData, admin: Actor, tmp_path: Path
) -> None:
    community = stored.community.id
    checkpoint(commons, tmp_path)
    with commons.engine.begin() as conn:
        last = newest(conn, community)
        keep = conn.execute(
            select(audit_entry.c.hash).where(
                audit_entry.c.community_id == community, audit_entry.c.seq == last - 3
            )
        ).scalar_one()
        conn.execute(
            delete(audit_entry).where(
                audit_entry.c.community_id == community, audit_entry.c.seq > last - 3
            )
        )
        conn.execute(
            update(audit_head)
            .where(audit_head.c.community_id == community)
            .values(seq=last - 3, hash=keep)
        )
    # The chain itself is consistent again: only the checkpoint shows what is missing.
    assert reasons(commons) == []
    assert any(f"entry {last}" in r and "is gone" in r for r in reasons(commons, tmp_path))


def test_truncating_the_trail_after_a_checkpoint_is_detected_even_with_new_entries(
    commons: Commons, stored: CommunityData, admin: Actor, tmp_path: Path
) -> None:
    """Entries deleted, then the chain regrown to the same length with forged entries."""
    community = stored.community.id
    checkpoint(commons, tmp_path)
    with commons.engine.begin() as conn:
        last = newest(conn, community)
        conn.execute(
            delete(audit_entry).where(
                audit_entry.c.community_id == community, audit_entry.c.seq > last - 2
            )
        )
        conn.execute(
            update(audit_head).where(audit_head.c.community_id == community).values(seq=last - 2)
        )
    with commons.engine.begin() as conn:
        keep = conn.execute(
            select(audit_entry.c.hash).where(
                audit_entry.c.community_id == community, audit_entry.c.seq == last - 2
            )
        ).scalar_one()
        conn.execute(
            update(audit_head).where(audit_head.c.community_id == community).values(hash=keep)
        )
    with commons.unit_of_work(admin) as uow:  # two honest writes regrow the chain
        for household in uow.households.find(limit=2):
            uow.households.update(attrs.evolve(household, room="9999"))
    assert reasons(commons) == []
    assert any("differs from the checkpoint" in r for r in reasons(commons, tmp_path))


def test_a_tampered_checkpoint_is_refused(
    commons: Commons, stored: CommunityData, tmp_path: Path
) -> None:
    checkpoint(commons, tmp_path)
    path = next(tmp_path.glob("checkpoint-*.json"))
    data = json.loads(path.read_text())
    first = next(iter(data["heads"]))
    data["heads"][first][1] = "0" * 64
    path.write_text(json.dumps(data))
    with pytest.raises(Exception, match="not signed"):
        latest_checkpoint(tmp_path, commons.keys)


def test_the_cli_checkpoints_and_verifies(
    commons: Commons, stored: CommunityData, commons_cli: Any, tmp_path: Path
) -> None:
    folder = str(tmp_path / "checkpoints")
    done = commons_cli("audit", "verify", "--checkpoints", folder)
    assert done.exit_code == 0, done.output
    assert "no checkpoint" in done.output
    done = commons_cli("audit", "checkpoint", "--checkpoints", folder)
    assert done.exit_code == 0, done.output
    done = commons_cli("audit", "verify", "--checkpoints", folder)
    assert done.exit_code == 0 and "consistent with the checkpoint" in done.output
    with commons.engine.begin() as conn:
        community = stored.community.id
        last = newest(conn, community)
        conn.execute(
            delete(audit_entry).where(
                audit_entry.c.community_id == community, audit_entry.c.seq == last
            )
        )
        conn.execute(
            update(audit_head)
            .where(audit_head.c.community_id == community)
            .values(
                seq=last - 1,
                hash=select(audit_entry.c.hash)
                .where(audit_entry.c.community_id == community, audit_entry.c.seq == last - 1)
                .scalar_subquery(),
            )
        )
    done = commons_cli("audit", "verify", "--checkpoints", folder)
    assert done.exit_code == 1 and "is gone" in done.output, done.output
    assert "Traceback" not in done.output


def test_rotated_keys_verify_old_and_new_entries(
    commons: Commons, stored: CommunityData, admin: Actor, tmp_path: Path
) -> None:
    rotated = commons.keys.rotated()
    rotated.save(tmp_path / "keys.json")
    after = open_commons(
        commons.engine.url.render_as_string(False), host=commons.host, keys=rotated, upgrade=True
    )
    try:
        with after.unit_of_work(admin) as uow:
            household = uow.households.find(limit=1)[0]
            uow.households.update(attrs.evolve(household, room="101"))
        with after.engine.begin() as conn:
            ids = set(conn.execute(select(audit_entry.c.key_id).distinct()).scalars())
        assert ids == {commons.keys.current, rotated.current}
        assert reasons(after) == []
        # The old key ring alone cannot vouch for what the new key signed.
        assert "entry names an unknown key " + rotated.current in reasons(commons)
    finally:
        after.close()


def legacy_chains(commons: Commons) -> None:
    """Rewrite every chain as the SDK wrote chains before they were keyed."""
    from commons_core.services.audit_check import _legacy_hash

    with commons.engine.begin() as conn:
        chains = conn.execute(select(audit_head.c.community_id)).scalars().all()
        for chain in chains:
            rechain(
                conn,
                chain,
                lambda entry, prev: _legacy_hash(attrs.evolve(entry, prev_hash=prev)),
                lambda entry: {"key_id": None},
            )


def test_an_old_unkeyed_trail_is_rekeyed_by_the_upgrade_that_keys_it(
    commons: Commons, stored: CommunityData
) -> None:
    """A database from before keyed chains (core_0001): the upgrade through core_0002
    verifies each chain as it was written, then keys it."""
    from alembic import command

    from commons_core.storage.migrate import alembic_config

    legacy_chains(commons)
    with commons.engine.begin() as conn:
        command.downgrade(
            alembic_config(conn, commons.host.migration_locations(), commons.tables), "core_0001"
        )
    commons.upgrade()
    assert reasons(commons) == []


def test_a_later_upgrade_never_signs_an_unkeyed_chain(
    commons: Commons, stored: CommunityData
) -> None:
    """A writer who forges an "old" chain (no key, plain SHA-256) and waits for the next
    routine upgrade: the trail stays refused."""
    legacy_chains(commons)
    commons.upgrade()
    assert "entry is not keyed" in reasons(commons)


def test_one_forged_entry_does_not_stop_checkpoints_of_the_other_chains(
    commons: Commons, stored: CommunityData, commons_cli: Any, tmp_path: Path
) -> None:
    """A chain that does not verify is left out (and named); the others are checkpointed."""
    from commons_core.services.audit import NO_COMMUNITY

    community = stored.community.id
    with commons.engine.begin() as conn:
        conn.execute(
            update(audit_entry)
            .where(audit_entry.c.community_id == community, audit_entry.c.seq == 3)
            .values(actor="mallory")
        )
    folder = tmp_path / "checkpoints"
    done = commons_cli("audit", "checkpoint", "--checkpoints", str(folder))
    assert done.exit_code == 1 and "left out of the checkpoint" in done.output
    written = latest_checkpoint(folder, commons.keys)
    assert written is not None
    assert community not in written.heads and NO_COMMUNITY in written.heads
