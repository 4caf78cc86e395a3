"""The SQL of row-level security: the scope functions, the audit head's guards, the policies.

:mod:`commons_core.storage.row_security` installs them; they are kept here as
text so that the whole of what the database enforces can be read in one place.
Every function that reads the key or writes the audit head is
``SECURITY DEFINER`` (it runs as the tables' owner), fixes its ``search_path``
(``pg_catalog`` first and ``pg_temp`` last, so that no object of the schema or
temporary one can stand in for a built-in or for ours) and may be executed only
by the application role.
"""

from __future__ import annotations

from sqlalchemy import Table

from commons_core.storage.schema import Entity

__all__ = ["KEY_TABLE", "functions_sql", "key_table_sql", "policy_condition"]

KEY_TABLE = "commons_scope_key"
"""The owner's copy of the ``row-scope`` keys (as HMAC pads), unreadable by the app role."""

_NIL = "'00000000-0000-0000-0000-000000000000'::uuid"


def key_table_sql(schema: str, app_role: str) -> list[str]:
    """Create the key table, readable by its owner only."""
    table = f"{schema}.{KEY_TABLE}"
    return [
        f"CREATE TABLE IF NOT EXISTS {table} ("
        " key_id text PRIMARY KEY, inner_pad bytea NOT NULL, outer_pad bytea NOT NULL)",
        f"REVOKE ALL ON {table} FROM PUBLIC",
        f"REVOKE ALL ON {table} FROM {app_role}",
    ]


def _definer(schema: str) -> str:
    # pg_catalog first: an object in the schema must never stand in for a built-in
    # (encode, sha256, =) of a function that runs as the owner.
    return f"SECURITY DEFINER SET search_path = pg_catalog, {schema}, pg_temp"


def functions_sql(schema: str, app_role: str, binding: str) -> list[str]:
    """Create (or replace) every function the policies and the audit trail's writers call.

    ``binding`` is the SQL of what a token is bound to (the transaction).
    """
    s = schema
    definer = _definer(schema)
    verified = f"{s}.commons_scope_verified()"
    functions = {
        # The token of the settings, checked against the owner's copy of the key.
        "commons_scope_verified()": f"""
CREATE OR REPLACE FUNCTION {verified} RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED {definer} AS $fn$
DECLARE
  pads record;
  message text;
BEGIN
  SELECT inner_pad, outer_pad INTO pads FROM {s}.{KEY_TABLE}
   WHERE key_id = current_setting('commons.scope_key', true);
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  message := concat_ws('|', 'v1', {binding},
    coalesce(current_setting('commons.community_ids', true), ''),
    coalesce(current_setting('commons.zone_id', true), ''),
    coalesce(current_setting('commons.household_id', true), ''),
    coalesce(current_setting('commons.actor', true), ''));
  RETURN encode(sha256(pads.outer_pad || sha256(pads.inner_pad || convert_to(message, 'UTF8'))),
                'hex') = current_setting('commons.scope_token', true);
END
$fn$""",
        # Every community (administrators, system jobs): verified and '*'.
        "commons_scope_every()": f"""
CREATE OR REPLACE FUNCTION {s}.commons_scope_every() RETURNS boolean
LANGUAGE sql STABLE PARALLEL RESTRICTED {definer} AS $fn$
  SELECT {verified} AND current_setting('commons.community_ids', true) = '*'
$fn$""",
        # The communities of the scope; none when unverified.
        "commons_scope_ids()": f"""
CREATE OR REPLACE FUNCTION {s}.commons_scope_ids() RETURNS uuid[]
LANGUAGE sql STABLE PARALLEL RESTRICTED {definer} AS $fn$
  SELECT CASE WHEN {verified} AND current_setting('commons.community_ids', true) <> '*'
    THEN string_to_array(current_setting('commons.community_ids', true), ',')::uuid[]
    ELSE '{{}}'::uuid[] END
$fn$""",
        # The grid zone (NULL: not zone-scoped); unverified, a zone no row has.
        "commons_scope_zone()": f"""
CREATE OR REPLACE FUNCTION {s}.commons_scope_zone() RETURNS uuid
LANGUAGE sql STABLE PARALLEL RESTRICTED {definer} AS $fn$
  SELECT CASE WHEN {verified}
    THEN nullif(current_setting('commons.zone_id', true), '')::uuid ELSE {_NIL} END
$fn$""",
        "commons_scope_household()": f"""
CREATE OR REPLACE FUNCTION {s}.commons_scope_household() RETURNS uuid
LANGUAGE sql STABLE PARALLEL RESTRICTED {definer} AS $fn$
  SELECT CASE WHEN {verified}
    THEN nullif(current_setting('commons.household_id', true), '')::uuid ELSE {_NIL} END
$fn$""",
        # Which keys the database holds (ids only), so the application can say it lacks one.
        "commons_scope_key_ids()": f"""
CREATE OR REPLACE FUNCTION {s}.commons_scope_key_ids() RETURNS text[]
LANGUAGE sql STABLE {definer} AS $fn$
  SELECT coalesce(array_agg(key_id ORDER BY key_id), '{{}}') FROM {s}.{KEY_TABLE}
$fn$""",
        # The head of a community's chain, created if missing and locked until commit.
        "commons_audit_lock(uuid)": f"""
CREATE OR REPLACE FUNCTION {s}.commons_audit_lock(chain uuid)
RETURNS TABLE (seq integer, hash varchar)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE {definer} AS $fn$
BEGIN
  IF NOT ({s}.commons_scope_every() OR chain = ANY ({s}.commons_scope_ids())) THEN
    RAISE EXCEPTION 'audit chain % is outside the scope', chain USING ERRCODE = '42501';
  END IF;
  INSERT INTO {s}.audit_head (community_id, seq, hash) VALUES (chain, 0, repeat('0', 64))
    ON CONFLICT (community_id) DO NOTHING;
  RETURN QUERY SELECT h.seq, h.hash FROM {s}.audit_head h WHERE h.community_id = chain
    FOR UPDATE;
END
$fn$""",
        # Append entries to a chain and move its head over them: the only way the application
        # role writes the trail, so it can neither forge a gap nor block a chain with an
        # entry beyond the head, and the head never moves back.
        "commons_audit_append(uuid, integer, integer[], timestamptz[], text[], text[], text[],"
        " text[], text[], text[], text[], text[], uuid[], uuid[], uuid[])": f"""
CREATE OR REPLACE FUNCTION {s}.commons_audit_append(
  chain uuid, first_seq integer, seqs integer[], ats timestamptz[], actors text[],
  actions text[], entities text[], keys text[], changes text[], prev_hashes text[],
  hashes text[], key_ids text[], zones uuid[], households uuid[], residents uuid[])
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE {definer} AS $fn$
DECLARE
  head record;
  written integer := coalesce(cardinality(seqs), 0);
BEGIN
  IF NOT ({s}.commons_scope_every() OR chain = ANY ({s}.commons_scope_ids())) THEN
    RAISE EXCEPTION 'audit chain % is outside the scope', chain USING ERRCODE = '42501';
  END IF;
  SELECT h.seq, h.hash INTO head FROM {s}.audit_head h WHERE h.community_id = chain FOR UPDATE;
  IF NOT FOUND OR head.seq <> first_seq OR written = 0 THEN
    RAISE EXCEPTION 'audit head of % is not at entry %', chain, first_seq
      USING ERRCODE = '40001';
  END IF;
  IF EXISTS (
    SELECT 1 FROM unnest(seqs, prev_hashes) WITH ORDINALITY AS e(seq, prev, i)
     WHERE e.seq IS DISTINCT FROM first_seq + e.i
        OR e.prev IS DISTINCT FROM CASE WHEN e.i = 1 THEN head.hash ELSE hashes[e.i - 1] END)
  THEN
    RAISE EXCEPTION 'audit entries % to % of % do not form a chain', first_seq + 1,
      first_seq + written, chain USING ERRCODE = '23514';
  END IF;
  INSERT INTO {s}.audit_entry (community_id, seq, at, actor, action, entity, key, changes,
                               prev_hash, hash, key_id, grid_zone_id, household_id,
                               resident_id)
  SELECT chain, e.seq, e.at, e.actor, e.action, e.entity, e.key, e.changes::json,
         e.prev_hash, e.hash, e.key_id, e.zone, e.household, e.resident
    FROM unnest(seqs, ats, actors, actions, entities, keys, changes, prev_hashes, hashes,
                key_ids, zones, households, residents)
      AS e(seq, at, actor, action, entity, key, changes, prev_hash, hash, key_id, zone,
           household, resident);
  UPDATE {s}.audit_head SET seq = first_seq + written, hash = hashes[written]
   WHERE community_id = chain;
END
$fn$""",
    }
    statements: list[str] = []
    for signature, body in functions.items():
        statements.append(body.strip())
        statements.append(f"REVOKE ALL ON FUNCTION {s}.{signature} FROM PUBLIC")
        statements.append(f"GRANT EXECUTE ON FUNCTION {s}.{signature} TO {app_role}")
    return statements


def policy_condition(table: Table, entity: Entity | None, schema: str) -> tuple[str, str]:
    """The USING and WITH CHECK expressions of ``table``'s policy.

    The rules of :mod:`commons_core.services.scoping`, on the values the scope
    functions return, each read once per statement (an uncorrelated subquery).
    """
    every = f"(SELECT {schema}.commons_scope_every())"
    # Cast, so that "= ANY" takes the array the subquery returns, not its rows.
    ids = f"(SELECT {schema}.commons_scope_ids())::uuid[]"
    zone = f"(SELECT {schema}.commons_scope_zone())"
    household = f"(SELECT {schema}.commons_scope_household())"
    name = table.name
    scope = table.info.get("scope")
    if scope != "community":
        if name == "community":
            condition = f"({every} OR id = ANY ({ids}))"
        elif name == "street_office":
            condition = (
                f"({every} OR id IN (SELECT c.street_office_id FROM community c"
                f" WHERE c.id = ANY ({ids})))"
            )
        else:
            condition = every
        return condition, condition
    base = f"({every} OR {name}.community_id = ANY ({ids}))"
    if entity is not None and entity.shared:
        return base, base
    zone_households = f"(SELECT h.id FROM household h WHERE h.grid_zone_id = {zone})"
    zone_residents = f"(SELECT r.id FROM resident r WHERE r.household_id IN {zone_households})"
    own_residents = f"(SELECT r.id FROM resident r WHERE r.household_id = {household})"
    zone_rule = household_rule = "false"
    if name == "audit_entry":
        # Entries are scoped like the records they describe; writing one needs the community.
        zone_rule = (
            f"({name}.grid_zone_id = {zone} OR {name}.household_id IN {zone_households}"
            f" OR {name}.resident_id IN {zone_residents})"
        )
        household_rule = (
            f"({name}.household_id = {household} OR {name}.resident_id IN {own_residents})"
        )
    elif name == "audit_head":
        return base, base
    elif entity is not None:
        if entity.zone_column is not None:
            zone_rule = f"{name}.{entity.zone_column} = {zone}"
        elif entity.household_column is not None:
            zone_rule = f"{name}.{entity.household_column} IN {zone_households}"
        elif entity.resident_column is not None:
            zone_rule = f"{name}.{entity.resident_column} IN {zone_residents}"
        if entity.household_column is not None:
            household_rule = f"{name}.{entity.household_column} = {household}"
        elif entity.resident_column is not None:
            household_rule = f"{name}.{entity.resident_column} IN {own_residents}"
    using = (
        f"({base} AND ("
        f"({zone} IS NULL AND {household} IS NULL)"
        f" OR ({zone} IS NOT NULL AND {zone_rule})"
        f" OR ({household} IS NOT NULL AND {household_rule})))"
    )
    return using, base if name == "audit_entry" else using
