"""The role elderly health records add: the health worker (健康管理员) who keeps them.

The role reads the residents and households it visits and the partner clinics,
and sees health values and contacts in clear; what it may do with the health
records themselves is granted in :data:`commons_elderly_health.services.ROLE_GRANTS`.
"""

from commons_core import Label
from commons_core.access import Role

__all__ = ["HEALTH_WORKER", "ROLES"]

HEALTH_WORKER = Role(
    "health_worker",
    Label("健康管理员", "health worker"),
    (
        "resident:list",
        "resident:read",
        "household:list",
        "household:read",
        "partner_unit:list",
        "partner_unit:read",
        "community:list",
        "community:read",
        "street_office:list",
        "street_office:read",
        "reveal:health",
        "reveal:contact",
    ),
)
"""Keeps the health files of residents aged 60 and over."""

ROLES = (HEALTH_WORKER,)
"""The roles of the plugin's manifest (``roles=``)."""
