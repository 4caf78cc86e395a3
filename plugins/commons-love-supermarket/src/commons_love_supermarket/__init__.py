"""爱心超市 / the love supermarket: a commons_core plugin.

Goods sold at cost to low-income (低保) and hardship (困难) households
only, stock received from purchases and donations, and the supermarket's
own account (专户) of receipts and payments, with reports for the office
and for public posting. Use it through :class:`SupermarketService`::

    from commons_love_supermarket import OrderLine, SupermarketService

    with commons.unit_of_work(clerk) as uow:
        shop = SupermarketService(uow)
        rice = shop.find_item(community.id, "大米")
        shop.sell(household.id, [OrderLine(item_id=rice.id, quantity=1)])
"""

import lazy_loader

from commons_core.model import Label
from commons_core.plugin import LazyCommand, Plugin

PLUGIN_NAME = "love_supermarket"
"""The plugin's entry-point name, Alembic branch label and table prefix."""

plugin = Plugin(
    name=PLUGIN_NAME,
    label=Label("爱心超市", "love supermarket"),
    package=__name__,
    entities=".tables:ENTITIES",
    rules=".rules:rules",
    permissions=".services:PERMISSIONS",
    roles=".roles:ROLES",
    grants=".services:ROLE_GRANTS",
    reports=[".reports:LedgerReport", ".reports:StockReport", ".reports:DisclosureReport"],
    cli=[LazyCommand("supermarket", ".cli:supermarket", "爱心超市 / love supermarket")],
    web=".web:contribution",
    demo=".demo:load_demo_data",
    on_events=".eligibility:record_changes",
    hookspecs=".hookspecs:LoveSupermarketSpecs",
    hookimpls=".eligibility",
)
"""What the plugin adds (the entry point names it)."""

# The public names, imported when first used: starting the command line imports none.
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
__all__ += ["PLUGIN_NAME", "plugin"]
