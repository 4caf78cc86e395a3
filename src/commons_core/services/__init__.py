"""Use cases: the unit of work, repositories, access enforcement, audit and events."""

from commons_core.services.commons import Commons
from commons_core.services.lookup import lookup
from commons_core.services.people import HouseholdRepository, ResidentRepository
from commons_core.services.plugin_service import PluginService
from commons_core.services.repository import Repository
from commons_core.services.unit_of_work import UnitOfWork

__all__ = [
    "Commons",
    "HouseholdRepository",
    "PluginService",
    "Repository",
    "ResidentRepository",
    "UnitOfWork",
    "lookup",
]
