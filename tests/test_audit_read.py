"""Who reads the audit trail: administrators and auditors, never a wildcard on entities.

A cadre's ``*:read`` used to include ``audit:read`` (fnmatch matched ``audit``
as if it were an entity); the trail is read by the people who check the
cadres, so only ``*`` (administrators) and a pattern naming ``audit`` grant it.
"""

from __future__ import annotations

from typing import Any

import pytest

from commons_core import Actor, Community, Scope
from commons_core.access import BUILTIN_ROLES, AccessPolicy, Role
from commons_core.model import Label
from commons_core.plugins import make_plugin_host
from commons_core.services import Commons
from commons_core.services.users import UserService

READS_THE_TRAIL = {"administrator", "auditor"}


def test_only_administrators_and_auditors_read_the_trail_with_every_plugin() -> None:
    host = make_plugin_host()  # every installed plugin's grants to the built-in roles
    policy = AccessPolicy([*BUILTIN_ROLES, *host.roles()], host.role_grants(), host.permissions())
    for role in policy.roles:
        actor = Actor("x", frozenset({role}), Scope.everything())
        assert policy.allows(actor, "audit:read") is (role in READS_THE_TRAIL), role


@pytest.mark.parametrize(
    ("patterns", "reads"),
    [
        (("*:read",), False),
        (("*:*",), False),
        (("*:list", "*:read", "*:export"), False),
        (("a*:read",), False),
        (("aud?t:read",), False),
        (("*",), True),
        (("audit:read",), True),
        (("audit:*",), True),
        (("*", "!audit:*"), False),
        (("*", "!*:read"), False),
    ],
)
def test_a_pattern_grants_audit_read_only_if_it_names_audit(
    patterns: tuple[str, ...], reads: bool
) -> None:
    policy = AccessPolicy([Role("r", Label("r", "r"), patterns)])
    actor = Actor("x", frozenset({"r"}), Scope.everything())
    assert policy.allows(actor, "audit:read") is reads
    # The same holds for the other non-entities: reveal and set.
    assert policy.allows(actor, "reveal:identity") is ("*" in patterns)
    assert policy.allows(actor, "set:assistance") is ("*" in patterns)
    if "*:read" in patterns and "*" not in patterns:
        assert policy.allows(actor, "resident:read")


@pytest.mark.parametrize("role", [r.name for r in BUILTIN_ROLES])
def test_each_built_in_role_reads_the_trail_on_the_command_line_or_is_refused(
    commons: Commons, admin: Actor, commons_main: Any, role: str
) -> None:
    with commons.unit_of_work(admin) as uow:
        community = uow.repo(Community).add(Community(name="审计社区"))
        UserService(uow).create(
            f"u-{role}", roles=[role], scope=Scope.community(community.id), password="pw-123456789"
        )
    run = commons_main("--as", f"u-{role}", "audit", "--community", "审计社区", "--json")
    if role in READS_THE_TRAIL:
        assert run.code == 0, run.err
        assert '"action": "create"' in run.out or '"create"' in run.out
    else:
        assert run.code != 0
        assert "audit:read" in run.err and f"u-{role}" in run.err
