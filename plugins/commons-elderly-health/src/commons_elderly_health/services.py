"""The domain operations of elderly health records, each inside a unit of work.

::

    with commons.unit_of_work(health_worker) as uow:
        health = HealthRecords(uow)
        health.open_file(resident.id, conditions={ChronicCondition.HYPERTENSION})
        health.record_measurement(resident.id, systolic=142, diastolic=88)

Every write goes through ``uow.repo(...)``, so permissions, rules, references,
scope, masking and the audit trail (which masks health values) apply; the
operations check :data:`RECORD` first. Nothing here logs a health value.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

import attrs
from sqlalchemy import and_, select

from commons_core import (
    DomainEvent,
    Household,
    Label,
    NotFound,
    PartnerUnit,
    PartnerUnitKind,
    Resident,
    ResidentRegistered,
    ResidentStatus,
    ValidationError,
)
from commons_core.access import Permission
from commons_core.model import label

from .model import (
    ELDERLY_AGE,
    CheckUp,
    ChronicCondition,
    FileStatus,
    HealthFile,
    Measurement,
    years_before,
)
from .tables import check_up, health_file, measurement

if TYPE_CHECKING:
    from commons_core.services import UnitOfWork

__all__ = ["PERMISSIONS", "RECORD", "ROLE_GRANTS", "HealthRecords"]

log = logging.getLogger(__name__)
Record = TypeVar("Record", Measurement, CheckUp)

RECORD = "elderly_health:record"
"""Open health files and record measurements and check-ups."""

PERMISSIONS = (Permission(RECORD, Label("记录老年人健康档案", "keep elderly health records")),)

_ENTITIES = "elderly_health_*"
_READ_ALL = (f"{_ENTITIES}:list", f"{_ENTITIES}:read")
ROLE_GRANTS: dict[str, list[str]] = {
    # The plugin's own role (.roles) reveals health values already; administrators hold "*".
    "health_worker": [
        RECORD,
        *_READ_ALL,
        f"{_ENTITIES}:create",
        f"{_ENTITIES}:update",
    ],
    # A grid worker who registers a resident aged 60+ writes the due file (no health data).
    "grid_worker": ["elderly_health_file:create"],
    # Auditors read everything already; said here so narrowing their role keeps this.
    "auditor": list(_READ_ALL),
}
"""The health worker keeps the records; grid workers note files due; auditors read.

Cadres read files and run the reports through their entity permissions, with
health values masked: only ``reveal:health`` (health worker, administrator) shows them.
"""


@attrs.frozen
class HealthSummary:
    """A resident's health file, readings (newest first) and check-ups, as shown together."""

    resident: str = attrs.field(metadata=label("居民", "resident"))
    file: HealthFile = attrs.field(metadata=label("健康档案", "health file"))
    measurements: list[Measurement] = attrs.field(metadata=label("健康监测", "readings"))
    check_ups: list[CheckUp] = attrs.field(metadata=label("体检", "check-ups"))
    clinics: dict[UUID, str] = attrs.field(metadata=label("医疗机构", "clinics"))
    """The names of the partner units the file and check-ups name, by id."""


class HealthRecords:
    """Elderly health operations in one unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    # -- files ----------------------------------------------------------------------

    def open_file(
        self,
        resident_id: UUID,
        *,
        on: date | None = None,
        clinic_id: UUID | None = None,
        conditions: Collection[ChronicCondition] = (),
        contact_name: str | None = None,
        contact_relation: str | None = None,
        contact_phone: str | None = None,
        note: str | None = None,
    ) -> HealthFile:
        """Open the resident's health file (a due one, or a new one); the resident must be 60+.

        :param resident_id: 居民 / the resident.
        :param on: 建档日期(默认今天)/ opened on (default today).
        :param clinic_id: 签约医疗机构 / partner clinic.
        :param conditions: 慢性病,可多次 / chronic conditions, repeatable:
        :param contact_name: 紧急联系人 / contact person.
        :param contact_relation: 与本人关系(子女、配偶 …)/ relation (child, spouse …).
        :param contact_phone: 联系人电话 / contact phone.
        :param note: 备注 / note.
        """
        self.uow.require(RECORD)
        on = on or self.uow.rule_context.today
        person = self.uow.residents.get(resident_id)
        if person.birth_date > years_before(on, ELDERLY_AGE):
            raise ValidationError.single(
                "resident_id",
                str(resident_id),
                "elderly_health.too_young",
                f"{person.name} 在 {on} 未满 {ELDERLY_AGE} 周岁({person.age_on(on)} 岁),"
                "不建老年人健康档案",
                f"{person.name} is under {ELDERLY_AGE} on {on} (aged {person.age_on(on)}):"
                " no elderly health file",
            )
        if clinic_id is not None:
            self._clinic(clinic_id)
        values: dict[str, Any] = {
            "status": FileStatus.OPEN,
            "opened_on": on,
            "clinic_id": clinic_id,
            "conditions": frozenset(conditions),
            "contact_name": contact_name,
            "contact_relation": contact_relation,
            "contact_phone": contact_phone,
            "note": note,
        }
        current = self._file(person, reveal=False)
        repo = self.uow.repo(HealthFile)
        if current is None:
            opened = repo.add(
                HealthFile(community_id=person.community_id, resident_id=person.id, **values)
            )
        elif current.status is FileStatus.OPEN:
            raise ValidationError.single(
                "resident_id",
                str(resident_id),
                "elderly_health.already_open",
                f"{person.name} 的健康档案已于 {current.opened_on} 建档",
                f"{person.name}'s health file was opened on {current.opened_on} already",
            )
        else:
            opened = repo.update(attrs.evolve(current, **values))
        log.info("health file opened for resident %s", resident_id)
        return opened

    def file_of(self, resident_id: UUID, *, reveal: bool = False) -> HealthFile:
        """The resident's health file; :class:`NotFound` if there is none."""
        found = self._file(self.uow.residents.get(resident_id), reveal=reveal)
        if found is None:
            raise NotFound(health_file.name, resident_id)
        return found

    def _file(self, person: Resident, *, reveal: bool) -> HealthFile | None:
        files = self.uow.repo(HealthFile).find(
            health_file.c.community_id == person.community_id,
            health_file.c.resident_id == person.id,
            reveal=reveal,
        )
        return files[0] if files else None

    def _open_file(self, resident_id: UUID) -> HealthFile:
        """The resident's open file, or a :class:`ValidationError` saying to open one first."""
        person = self.uow.residents.get(resident_id)
        found = self._file(person, reveal=False)
        if found is None or found.status is not FileStatus.OPEN:
            raise ValidationError.single(
                "resident_id",
                str(resident_id),
                "elderly_health.no_file",
                f"{person.name} 尚未建立健康档案,请先建档",
                f"{person.name} has no open health file; open one first",
            )
        return found

    def _clinic(self, clinic_id: UUID) -> PartnerUnit:
        unit = self.uow.repo(PartnerUnit).get(clinic_id)
        if unit.kind is not PartnerUnitKind.HOSPITAL:
            raise ValidationError.single(
                "clinic_id",
                unit.name,
                "elderly_health.not_a_clinic",
                f"{unit.name} 不是医疗机构({unit.kind.zh}),体检须由共建医疗机构提供",
                f"{unit.name} is not a clinic ({unit.kind.en}); check-ups are by partner clinics",
            )
        return unit

    # -- measurements and check-ups ---------------------------------------------------

    def record_measurement(
        self,
        resident_id: UUID,
        *,
        on: date | None = None,
        systolic: int | None = None,
        diastolic: int | None = None,
        glucose: Decimal | None = None,
        weight: Decimal | None = None,
    ) -> Measurement:
        """Record readings of one day in the resident's open file (the rules check them).

        :param resident_id: 居民 / the resident.
        :param on: 测量日期(默认今天)/ day (default today).
        :param systolic: 收缩压 / systolic (mmHg).
        :param diastolic: 舒张压 / diastolic (mmHg).
        :param glucose: 血糖 / blood glucose (mmol/L).
        :param weight: 体重 / weight (kg).
        """
        return self._add_to_file(
            Measurement,
            resident_id,
            measured_on=on or self.uow.rule_context.today,
            systolic=systolic,
            diastolic=diastolic,
            glucose=glucose,
            weight=weight,
        )

    def record_check_up(
        self,
        resident_id: UUID,
        clinic_id: UUID,
        *,
        on: date | None = None,
        findings: str | None = None,
    ) -> CheckUp:
        """Record a check-up by a partner clinic in the resident's open file.

        :param resident_id: 居民 / the resident.
        :param clinic_id: 体检机构 / partner clinic.
        :param on: 体检日期(默认今天)/ day (default today).
        :param findings: 体检结论 / findings.
        """
        self._clinic(clinic_id)
        return self._add_to_file(
            CheckUp,
            resident_id,
            checked_on=on or self.uow.rule_context.today,
            clinic_id=clinic_id,
            findings=findings,
        )

    def _add_to_file(self, model: type[Record], resident_id: UUID, **values: Any) -> Record:
        self.uow.require(RECORD)
        file = self._open_file(resident_id)
        stored = self.uow.repo(model).add(
            model(
                community_id=file.community_id, resident_id=resident_id, file_id=file.id, **values
            )
        )
        # The record's kind and whose it is; never its values.
        log.info("%s recorded for resident %s", self.uow.repo(model).name, resident_id)
        return stored

    def summary(self, resident_id: UUID, *, reveal: bool = False) -> HealthSummary:
        """The resident's file with their readings and check-ups (masked unless ``reveal``).

        :param resident_id: 居民 / the resident.
        :param reveal: 显示健康数据(记入审计)/ show health values (audited).
        """
        person = self.uow.residents.get(resident_id)
        found = self.file_of(resident_id, reveal=reveal)
        check_ups = self.check_ups(resident_id, reveal=reveal)
        wanted = {found.clinic_id, *(c.clinic_id for c in check_ups)} - {None}
        units = self.uow.repo(PartnerUnit)
        named = units.find(units.table.c.id.in_(wanted)) if wanted else []
        return HealthSummary(
            resident=person.name,
            file=found,
            measurements=self.measurements(resident_id, reveal=reveal),
            check_ups=check_ups,
            clinics={u.id: u.name for u in named},
        )

    def measurements(self, resident_id: UUID, *, reveal: bool = False) -> list[Measurement]:
        """The resident's readings, newest first (values masked unless ``reveal``)."""
        return self._history(Measurement, measurement.c.measured_on, resident_id, reveal)

    def check_ups(self, resident_id: UUID, *, reveal: bool = False) -> list[CheckUp]:
        """The resident's check-ups, newest first (findings masked unless ``reveal``)."""
        return self._history(CheckUp, check_up.c.checked_on, resident_id, reveal)

    def _history(
        self, model: type[Record], day: Any, resident_id: UUID, reveal: bool
    ) -> list[Record]:
        person = self.uow.residents.get(resident_id)
        repo = self.uow.repo(model)
        return repo.find(
            repo.table.c.community_id == person.community_id,
            repo.table.c.resident_id == person.id,
            order_by=[day.desc(), repo.table.c.id],
            reveal=reveal,
        )

    def add_measurement(self, reading: Measurement) -> Measurement:
        """Store a :class:`Measurement` built elsewhere (a form, the API) in its resident's file.

        Its ``file_id`` is set to the resident's open file, whatever it was.
        """
        return self._add_to_file(
            Measurement,
            reading.resident_id,
            **{
                name: getattr(reading, name)
                for name in ("measured_on", "systolic", "diastolic", "glucose", "weight")
            },
        )

    def residents_with_open_files(self, community_id: UUID) -> list[tuple[UUID, str, str | None]]:
        """``(resident id, name, household number)`` of residents with an open file, by name."""
        r = self.uow.scoped(Resident)
        f = self.uow.scoped(HealthFile)
        h = self.uow.scoped(Household)
        rows = self.uow.connection.execute(
            select(r.c.id, r.c.name, h.c.household_no)
            .select_from(
                r.join(
                    f, and_(f.c.community_id == community_id, f.c.resident_id == r.c.id)
                ).outerjoin(h, and_(h.c.community_id == community_id, h.c.id == r.c.household_id))
            )
            .where(
                r.c.community_id == community_id,
                r.c.status == ResidentStatus.ACTIVE,
                f.c.status == FileStatus.OPEN,
            )
            .order_by(r.c.name, r.c.id)
        )
        return [(rid, name, number) for rid, name, number in rows]

    # -- finding records by name --------------------------------------------------------

    def resident(self, community_id: UUID, name_or_id: str) -> Resident:
        """The resident of the community with this id or name (an ambiguous name is an error)."""
        try:
            return self.uow.residents.get(UUID(name_or_id.strip()))
        except ValueError:
            pass
        table = self.uow.residents.table
        matches = self.uow.residents.find(
            table.c.community_id == community_id, table.c.name == name_or_id.strip(), limit=2
        )
        if len(matches) > 1:
            raise ValidationError.single(
                "resident",
                name_or_id,
                "elderly_health.ambiguous",
                f"有多位居民名为 {name_or_id},请使用编号",
                f"several residents are named {name_or_id}; use the id",
            )
        if not matches:
            raise NotFound("resident", name_or_id)
        return matches[0]

    def clinic(self, community_id: UUID, name_or_id: str) -> PartnerUnit:
        """The partner clinic of the community with this id or name."""
        repo = self.uow.repo(PartnerUnit)
        try:
            return self._clinic(UUID(name_or_id.strip()))
        except ValueError:
            pass
        matches = repo.find(
            repo.table.c.community_id == community_id, repo.table.c.name == name_or_id.strip()
        )
        if not matches:
            raise NotFound(repo.name, name_or_id)
        return self._clinic(matches[0].id)

    # -- domain events ----------------------------------------------------------------

    def on_events(self, events: Sequence[DomainEvent]) -> None:
        """Note files due for residents registered at 60+.

        An anonymised resident's health records are deleted by the core, as
        :data:`~commons_elderly_health.tables.ENTITIES` declare.
        """
        self._note_due(
            e
            for e in events
            if isinstance(e, ResidentRegistered)
            and e.birth_date <= years_before(e.occurred_on, ELDERLY_AGE)
        )

    def _note_due(self, registered: Iterable[ResidentRegistered]) -> None:
        due = list(registered)
        # Actors of roles that may not write files (a plugin's own roles) still register
        # residents: the report counts those residents as due all the same.
        if not due or not self.uow.can("elderly_health_file:create"):
            return
        have = set(
            self.uow.connection.execute(
                health_file.select()
                .with_only_columns(health_file.c.resident_id)
                .where(
                    health_file.c.community_id.in_({e.community_id for e in due}),
                    health_file.c.resident_id.in_([e.resident_id for e in due]),
                )
            ).scalars()
        )
        self.uow.repo(HealthFile).add_many(
            HealthFile(community_id=e.community_id, resident_id=e.resident_id, due_on=e.occurred_on)
            for e in due
            if e.resident_id not in have
        )


def on_events(uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
    """A file is due for a resident registered at 60+ (see :meth:`HealthRecords.on_events`)."""
    HealthRecords(uow).on_events(events)
