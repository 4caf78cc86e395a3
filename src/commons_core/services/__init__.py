"""Use cases: the unit of work, repositories, access enforcement, audit and events."""

from commons_core.services.commons import Commons
from commons_core.services.people import HouseholdRepository, ResidentRepository
from commons_core.services.repository import Repository
from commons_core.services.unit_of_work import UnitOfWork

__all__ = ["Commons", "HouseholdRepository", "Repository", "ResidentRepository", "UnitOfWork"]
