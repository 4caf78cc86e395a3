"""The role the love supermarket adds: the clerk (爱心超市营业员) who sells and receives goods.

The role reads the households and residents it sells to, never their statuses
or identity in clear; what it may do with the supermarket's own records is
granted in :data:`commons_love_supermarket.services.ROLE_GRANTS`.
"""

from commons_core import Label
from commons_core.access import Role

__all__ = ["CLERK", "ROLES"]

CLERK = Role(
    "clerk",
    Label("爱心超市营业员", "supermarket clerk"),
    (
        "household:list",
        "household:read",
        "resident:list",
        "resident:read",
        "community:list",
        "community:read",
        "street_office:list",
        "street_office:read",
    ),
)
"""Sells at the counter: sees households and residents, reveals nothing."""

ROLES = (CLERK,)
"""The roles of the plugin's manifest (``roles=``)."""
