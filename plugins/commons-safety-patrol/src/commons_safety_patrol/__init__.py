"""Roster-based safety patrols (治安巡逻, 红袖标): a plugin for commons_core.

Patrol teams of staff, party members and volunteer residents; routes over
buildings and lanes; shift patterns, availability and named sensitive
periods (春节, 国庆节 …) from which rosters are generated under explicit rules
(see :mod:`commons_safety_patrol.roster`); check-ins, incidents found and
their follow-up; and the ``patrol-coverage`` report.
"""

import lazy_loader

from commons_core.model import Label
from commons_core.plugin import LazyCommand, Plugin

PLUGIN_NAME = "safety_patrol"
"""The entry-point name, Alembic branch label and table prefix."""

plugin = Plugin(
    name=PLUGIN_NAME,
    label=Label("治安巡逻", "safety patrols"),
    package=__name__,
    entities=".tables:ENTITIES",
    rules=".rules:safety_patrol_rules",
    permissions=".services:PERMISSIONS",
    grants=".services:ROLE_GRANTS",
    reports=".reports:PatrolCoverage",
    cli=[LazyCommand("patrol", ".cli:patrol", "治安巡逻 / safety patrols")],
    web=".web:contribution",
    demo=".demo:add_demo_data",
)
"""What the plugin adds (the entry point names it)."""

# The public names, imported when first used: starting the command line imports none.
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
__all__ += ["PLUGIN_NAME", "plugin"]
