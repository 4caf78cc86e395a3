"""老年人健康档案 / elderly health records: a commons_core plugin.

A health file for every resident aged 60 and over, with chronic conditions,
measurements over time (blood pressure, blood glucose, weight), check-ups by
partner clinics and a contact person; the ``elderly-health-coverage`` report
(coverage, overdue check-ups, the 80+ list for condolence visits). Health
values are sensitive: masked unless revealed with ``reveal:health``. Use it
through :class:`HealthRecords`::

    from commons_elderly_health import HealthRecords

    with commons.unit_of_work(health_worker) as uow:
        health = HealthRecords(uow)
        health.open_file(resident.id)
        health.record_measurement(resident.id, systolic=138, diastolic=86)
"""

import lazy_loader

from commons_core.model import Label
from commons_core.plugin import LazyCommand, Plugin

PLUGIN_NAME = "elderly_health"
"""The entry-point name, Alembic branch label and table prefix."""

plugin = Plugin(
    name=PLUGIN_NAME,
    label=Label("老年人健康档案", "elderly health records"),
    package=__name__,
    entities=".tables:ENTITIES",
    rules=".rules:elderly_health_rules",
    permissions=".services:PERMISSIONS",
    roles=".roles:ROLES",
    grants=".services:ROLE_GRANTS",
    reports=".reports:CoverageReport",
    cli=[LazyCommand("health", ".cli:health", "老年人健康档案 / elderly health records")],
    web=".web:contribution",
    demo=".demo:add_demo_data",
    on_events=".services:on_events",
)
"""What the plugin adds (the entry point names it)."""

# The public names, imported when first used: starting the command line imports none.
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
__all__ += ["PLUGIN_NAME", "plugin"]
