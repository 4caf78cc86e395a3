"""The supermarket's operations: eligibility, sales, receiving goods and money, the account.

Every operation runs in the caller's unit of work and writes through its
repositories, so access rules, validation and the audit trail apply. Each
checks everything first and raises before writing anything when it refuses.

Operations that change stock or money in a community first lock that
community's supermarket (its settings row, ``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite runs one writer at a time anyway), so concurrent sales
see each other's results: stock, quota and balance are checked against
current figures and never overrun. The repositories' version check and the
database's CHECK constraints stand behind that.

The operations are kept by job in this package's modules: :mod:`.catalogue`
(set-up and items), :mod:`.eligibility` (who may buy, and who may learn why), :mod:`.sales`,
:mod:`.stock` (purchases, donations, lots) and :mod:`.account` (the ledger);
:class:`SupermarketService` brings them together.
"""

from commons_love_supermarket.services.base import lookup, month_bounds
from commons_love_supermarket.services.eligibility import (
    DEFAULT_RULE,
    ELIGIBLE_STATUSES,
    default_eligibility,
)
from commons_love_supermarket.services.errors import (
    InsufficientFunds,
    NotEligible,
    NotSetUp,
    OutOfStock,
    QuotaExceeded,
    Refused,
)
from commons_love_supermarket.services.permissions import (
    MANAGE,
    PERMISSIONS,
    ROLE_GRANTS,
    SELL,
    STOCK,
)
from commons_love_supermarket.services.sales import SalesOperations
from commons_love_supermarket.services.stock import StockOperations

__all__ = [
    "DEFAULT_RULE",
    "ELIGIBLE_STATUSES",
    "MANAGE",
    "PERMISSIONS",
    "ROLE_GRANTS",
    "SELL",
    "STOCK",
    "InsufficientFunds",
    "NotEligible",
    "NotSetUp",
    "OutOfStock",
    "QuotaExceeded",
    "Refused",
    "SupermarketService",
    "default_eligibility",
    "lookup",
    "month_bounds",
]


class SupermarketService(SalesOperations, StockOperations):
    """The love supermarket's operations, inside one unit of work.

    ::

        with commons.unit_of_work(clerk) as uow:
            shop = SupermarketService(uow)
            rice = shop.find_item(community.id, "大米")
            shop.sell(household.id, [OrderLine(item_id=rice.id, quantity=2)])
    """
