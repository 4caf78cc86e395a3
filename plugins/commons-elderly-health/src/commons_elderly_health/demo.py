"""Demo data: health files for residents 60+, readings and check-ups by the demo's clinics.

The source documents: 文化路社区 keeps health files for 95% of its residents
aged 60 and over (建立健康档案率达95%), the community health service centre
gives them a free check-up every year, and residents aged 80 and over get
condolence visits. So every demo community gets:

* open files for :data:`COVERAGE` of its residents 60+ (95% exactly in
  文化路社区, as the coverage report rounds), the others left due;
* chronic conditions at rates like those of Chinese residents 60+, a
  contact person (an adult of the household when there is one) and the
  community's clinic (a partner unit of kind 医疗机构);
* blood pressure, blood glucose and weight readings over the last year,
  more often for residents with hypertension or diabetes;
* check-ups by that clinic: most within the last 12 months, some older or
  none at all (overdue).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

import attrs

from commons_core import PartnerUnitKind, Resident, ResidentStatus

from .model import (
    ELDERLY_AGE,
    CheckUp,
    ChronicCondition,
    FileStatus,
    HealthFile,
    Measurement,
    years_before,
)
from .reports import coverage_percent
from .tables import health_file

if TYPE_CHECKING:
    from random import Random

    from commons_core.demo import CommunityData, DemoContext
    from commons_core.services import UnitOfWork

__all__ = ["COVERAGE", "DEFAULT_COVERAGE", "add_demo_data", "files_to_open"]

COVERAGE = {"wenhualu": 95.0}
"""Coverage of residents 60+ in percent, by demo community key (from the source documents)."""
DEFAULT_COVERAGE = 90.0
"""Coverage of the other demo communities."""
CONDITION_RATES = {
    ChronicCondition.HYPERTENSION: 0.55,
    ChronicCondition.DIABETES: 0.2,
    ChronicCondition.CORONARY: 0.12,
    ChronicCondition.STROKE: 0.05,
    ChronicCondition.COPD: 0.06,
    ChronicCondition.KIDNEY: 0.04,
    ChronicCondition.ARTHRITIS: 0.2,
    ChronicCondition.DEMENTIA: 0.04,
}
CHECKED_RECENTLY = 0.85
"""Share of open files whose last check-up is within the last 12 months …"""
CHECKED_LONG_AGO = 0.1
"""… and older than that; the rest were never checked up."""
FINDINGS = (
    "未见明显异常",
    "血压偏高,建议低盐饮食,定期监测",
    "空腹血糖偏高,建议复查",
    "血脂偏高,建议调整饮食",
    "骨密度降低,注意防跌倒",
)
RELATIONS = {"spouse": "配偶", "child": "子女", "other": "亲属"}


def files_to_open(residents: int, percent: float) -> int:
    """How many files make ``percent`` coverage of ``residents``, as the report rounds."""
    wanted = round(residents * percent / 100)
    for count in sorted(
        range(max(0, wanted - 2), min(residents, wanted + 2) + 1), key=lambda n: abs(n - wanted)
    ):
        if coverage_percent(count, residents) == percent:
            return count
    return wanted


def add_demo_data(uow: UnitOfWork, demo: DemoContext) -> None:
    """Add health records to every demo community (文化路社区 first, in key order)."""
    for key in sorted(demo.data):
        _DemoHealth(uow, demo, key).build()


class _DemoHealth:
    """The health records of one demo community."""

    def __init__(self, uow: UnitOfWork, demo: DemoContext, key: str) -> None:
        self.uow = uow
        self.rng: Random = demo.rng
        self.faker = demo.faker
        self.today = demo.today
        self.data: CommunityData = demo.data[key]
        self.cid = self.data.community.id
        self.percent = COVERAGE.get(key, DEFAULT_COVERAGE)

    def new_id(self) -> UUID:
        """A reproducible id (drawn from the demo's generator)."""
        return UUID(int=self.rng.getrandbits(128), version=4)

    def build(self) -> None:
        """Open files, then write readings and check-ups for them."""
        cutoff = years_before(self.today, ELDERLY_AGE)
        elderly = [
            r
            for r in self.data.residents
            if r.status is ResidentStatus.ACTIVE and r.birth_date <= cutoff
        ]
        chosen = self.rng.sample(elderly, files_to_open(len(elderly), self.percent))
        clinics = [p.id for p in self.data.partner_units if p.kind is PartnerUnitKind.HOSPITAL]
        files = self._open(chosen, clinics)
        readings: list[Measurement] = []
        check_ups: list[CheckUp] = []
        for file in files:
            readings.extend(self._readings(file))
            if file.clinic_id is not None:
                check_ups.extend(self._check_ups(file, file.clinic_id))
        self.uow.repo(Measurement).add_many(readings)
        self.uow.repo(CheckUp).add_many(check_ups)

    def _open(self, chosen: list[Resident], clinics: list[UUID]) -> list[HealthFile]:
        repo = self.uow.repo(HealthFile)
        # Registering the residents noted their files due (commons_on_events): open those.
        due = {
            f.resident_id: f
            for f in repo.find(
                health_file.c.community_id == self.cid, health_file.c.status == FileStatus.DUE
            )
        }
        updated: list[HealthFile] = []
        new: list[HealthFile] = []
        for person in chosen:
            values = self._file_values(person, clinics)
            if person.id in due:
                updated.append(attrs.evolve(due[person.id], **values))
            else:
                new.append(
                    HealthFile(
                        id=self.new_id(), community_id=self.cid, resident_id=person.id, **values
                    )
                )
        repo.update_many(updated)
        repo.add_many(new)
        # The files as made, not as the writes answer (masked): readings follow the conditions.
        return [*updated, *new]

    def _file_values(self, person: Resident, clinics: list[UUID]) -> dict[str, Any]:
        sixty = years_before(person.birth_date, -ELDERLY_AGE)
        opened = max(sixty, self.today - timedelta(days=self.rng.randint(30, 1500)))
        contact_name, relation, phone = self._contact(person)
        return {
            "status": FileStatus.OPEN,
            "opened_on": opened,
            "clinic_id": self.rng.choice(clinics) if clinics else None,
            "conditions": frozenset(
                c for c, rate in CONDITION_RATES.items() if self.rng.random() < rate
            ),
            "contact_name": contact_name,
            "contact_relation": relation,
            "contact_phone": phone,
        }

    def _contact(self, person: Resident) -> tuple[str, str, str]:
        adults = [
            r
            for r in self.data.residents
            if r.household_id == person.household_id
            and r.id != person.id
            and r.household_id is not None
            and r.age_on(self.today) >= 18
        ]
        phone = f"13{self.rng.choice('89')}{self.rng.randint(0, 99_999_999):08d}"
        if adults:
            contact = self.rng.choice(adults)
            relation = (
                "spouse"
                if abs(contact.age_on(self.today) - person.age_on(self.today)) < 12
                else "child"
            )
            return contact.name, RELATIONS[relation], contact.phone or phone
        return self.faker.name(), RELATIONS["other"], phone

    def _readings(self, file: HealthFile) -> list[Measurement]:
        conditions = file.conditions or frozenset()
        hypertensive = ChronicCondition.HYPERTENSION in conditions
        diabetic = ChronicCondition.DIABETES in conditions
        count = self.rng.randint(4, 8) if hypertensive or diabetic else self.rng.randint(1, 2)
        opened = file.opened_on or self.today
        weight = Decimal(self.rng.randint(450, 850)) / 10
        readings = []
        for _ in range(count):
            day = self.today - timedelta(
                days=self.rng.randint(0, min(365, (self.today - opened).days))
            )
            systolic = int(self.rng.gauss(148 if hypertensive else 126, 12))
            systolic = min(220, max(95, systolic))
            diastolic = min(systolic - 30, max(55, systolic - self.rng.randint(38, 60)))
            glucose = (
                Decimal(self.rng.randint(65, 115) if diabetic else self.rng.randint(45, 68)) / 10
            )
            readings.append(
                Measurement(
                    id=self.new_id(),
                    community_id=self.cid,
                    resident_id=file.resident_id,
                    file_id=file.id,
                    measured_on=day,
                    systolic=systolic,
                    diastolic=diastolic,
                    glucose=glucose if diabetic or self.rng.random() < 0.3 else None,
                    weight=weight + Decimal(self.rng.randint(-15, 15)) / 10
                    if self.rng.random() < 0.4
                    else None,
                )
            )
        return readings

    def _check_ups(self, file: HealthFile, clinic_id: UUID) -> list[CheckUp]:
        draw = self.rng.random()
        if draw < CHECKED_RECENTLY:
            ages = [self.rng.randint(0, 350)]
            if self.rng.random() < 0.5:
                ages.append(ages[0] + 365)
        elif draw < CHECKED_RECENTLY + CHECKED_LONG_AGO:
            ages = [self.rng.randint(380, 700)]
        else:
            return []
        return [
            CheckUp(
                id=self.new_id(),
                community_id=self.cid,
                resident_id=file.resident_id,
                file_id=file.id,
                checked_on=self.today - timedelta(days=age),
                clinic_id=clinic_id,
                findings=self.rng.choice(FINDINGS),
            )
            for age in ages
        ]
