"""Generate one demo community that matches its :class:`CommunitySpec` exactly.

Names and streets come from Faker's ``zh_CN`` locale; ID numbers carry the
community's division code, the resident's birth date and sex, and a valid
check digit. Everything is drawn from one seeded generator, so a seed gives
the same demo every time (ids included).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, time, timedelta
from uuid import UUID

import attrs
from faker import Faker
from stdnum.cn import ric, uscc

from commons_core.demo.figures import CommunitySpec
from commons_core.model import (
    Building,
    Committee,
    CommitteeKind,
    Community,
    Compound,
    EmploymentStatus,
    Ethnicity,
    Gender,
    GridZone,
    Household,
    HouseholdStatus,
    HouseholdType,
    OpeningHours,
    PartnerUnit,
    PartnerUnitKind,
    PartyBranch,
    PartyMember,
    RegistrationStatus,
    RelationToHead,
    Resident,
    ResidentsGroup,
    Seat,
    ServicePoint,
    ServicePointKind,
    Staff,
    StreetOffice,
)

__all__ = ["CommunityData", "generate_community"]

SIZE_WEIGHTS = {1: 15, 2: 28, 3: 30, 4: 16, 5: 8, 6: 3}
MOBILE_PREFIXES = ("138", "139", "150", "151", "158", "186", "187", "135", "137", "177", "189")
PATROL_STAFF = 2
ONE_STOP_WINDOWS = (
    "行政事务窗口",
    "民生社会事务窗口",
    "计划生育窗口",
    "综合治理与警务窗口",
    "会议及阅览室",
)
OTHER_POINTS = (
    (ServicePointKind.HOUSEKEEPING, "家政服务站"),
    (ServicePointKind.MEDICAL, "社区卫生服务站"),
    (ServicePointKind.CULTURE, "文化活动室"),
    (ServicePointKind.ELDERLY_CARE, "老年日间照料中心"),
    (ServicePointKind.CONVENIENCE, "便民维修点"),
    (ServicePointKind.CONVENIENCE, "便民超市"),
    (ServicePointKind.MEDICAL, "药店"),
    (ServicePointKind.CULTURE, "图书室"),
    (ServicePointKind.OTHER, "爱心超市"),
)
PARTNER_KINDS = (
    (PartnerUnitKind.HOSPITAL, "社区卫生服务中心"),
    (PartnerUnitKind.SCHOOL, "第{n}小学"),
    (PartnerUnitKind.BANK, "银行{street}支行"),
    (PartnerUnitKind.GOVERNMENT, "{district}税务局"),
    (PartnerUnitKind.COMPANY, "{company}"),
    (PartnerUnitKind.GOVERNMENT, "{district}派出所"),
    (PartnerUnitKind.SCHOOL, "第{n}中学"),
    (PartnerUnitKind.COMPANY, "{company}"),
)
HARMONY_WORKING_COMMITTEES = (
    "党团组织工作委员会",
    "会员组织工作委员会",
    "维权工作委员会",
    "矛盾调处工作委员会",
    "文化体育工作委员会",
    "公益服务工作委员会",
    "计划生育工作委员会",
)


@attrs.frozen
class CommunityData:
    """Every core record of one demo community, in insertion order."""

    street_office: StreetOffice
    community: Community
    residents_groups: tuple[ResidentsGroup, ...]
    grid_zones: tuple[GridZone, ...]
    compounds: tuple[Compound, ...]
    buildings: tuple[Building, ...]
    households: tuple[Household, ...]
    residents: tuple[Resident, ...]
    staff: tuple[Staff, ...]
    party_branches: tuple[PartyBranch, ...]
    party_members: tuple[PartyMember, ...]
    partner_units: tuple[PartnerUnit, ...]
    service_points: tuple[ServicePoint, ...]
    committees: tuple[Committee, ...]
    seats: tuple[Seat, ...]


class _Draw:
    """The seeded source of everything random."""

    def __init__(self, rng: random.Random, faker: Faker) -> None:
        self.rng = rng
        self.faker = faker
        self._ids: set[str] = set()

    def uuid(self) -> UUID:
        return UUID(int=self.rng.getrandbits(128), version=4)

    def name(self, gender: Gender) -> str:
        return str(self.faker.name_male() if gender is Gender.MALE else self.faker.name_female())

    def birth_date(self, today: date, age: int) -> date:
        birthday = (
            today.replace(year=today.year - age)
            if (today.month, today.day) != (2, 29)
            else (today.replace(year=today.year - age, day=28))
        )
        return birthday - timedelta(days=self.rng.randint(0, 364))

    def id_number(self, area: str, born: date, gender: Gender) -> str:
        while True:
            order = self.rng.randrange(0, 1000)
            if (order % 2 == 1) != (gender is Gender.MALE):
                order = (order + 1) % 1000
            body = f"{area}{born:%Y%m%d}{order:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self._ids:
                self._ids.add(number)
                return number

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def credit_code(self, area: str, kind: PartnerUnitKind) -> str:
        authority = "11" if kind in (PartnerUnitKind.GOVERNMENT, PartnerUnitKind.SCHOOL) else "91"
        body = authority + area + "".join(str(self.rng.randrange(10)) for _ in range(9))
        return body + uscc.calc_check_digit(body + "0")


def _household_sizes(draw: _Draw, households: int, residents: int) -> list[int]:
    sizes = draw.rng.choices(list(SIZE_WEIGHTS), weights=list(SIZE_WEIGHTS.values()), k=households)
    total = sum(sizes)
    while total != residents:
        i = draw.rng.randrange(households)
        if total < residents and sizes[i] < 8:
            sizes[i] += 1
            total += 1
        elif total > residents and sizes[i] > 1:
            sizes[i] -= 1
            total -= 1
    return sizes


@attrs.define
class _Person:
    relation: RelationToHead
    gender: Gender
    age: int
    ethnicity: Ethnicity
    floating: bool


def _family(
    draw: _Draw,
    size: int,
    ethnicity: Ethnicity,
    spec: CommunitySpec,
    minority: bool,
    floating: bool,
) -> list[_Person]:
    rng = draw.rng
    head_age = min(95, max(22, int(rng.triangular(22, 92, 52))))
    head_gender = rng.choice((Gender.MALE, Gender.FEMALE))
    people = [_Person(RelationToHead.HEAD, head_gender, head_age, ethnicity, floating)]
    other = Gender.FEMALE if head_gender is Gender.MALE else Gender.MALE
    if size >= 2 and rng.random() < 0.85:
        spouse_ethnicity = ethnicity
        if minority and rng.random() < 0.15:
            spouse_ethnicity = spec.ethnicities[0]
        spouse_age = min(98, max(20, head_age + rng.randint(-5, 5)))
        people.append(_Person(RelationToHead.SPOUSE, other, spouse_age, spouse_ethnicity, floating))
    if len(people) < size and head_age < 55 and rng.random() < 0.25:
        people.append(
            _Person(
                RelationToHead.PARENT,
                rng.choice(list(Gender)),
                min(100, head_age + rng.randint(22, 32)),
                ethnicity,
                floating,
            )
        )
    while len(people) < size:
        if head_age >= 62 and rng.random() < 0.4:
            age = max(0, head_age - rng.randint(45, 62))
            relation = RelationToHead.GRANDCHILD
        else:
            age = max(0, head_age - rng.randint(22, 38))
            relation = RelationToHead.CHILD
        people.append(_Person(relation, rng.choice(list(Gender)), age, ethnicity, floating))
    return people


def _employment(draw: _Draw, age: int) -> EmploymentStatus:
    if age < 6:
        return EmploymentStatus.PRESCHOOL
    if age < 18:
        return EmploymentStatus.STUDENT
    if age < 23:
        return EmploymentStatus.STUDENT if draw.rng.random() < 0.5 else EmploymentStatus.EMPLOYED
    if age >= 60:
        return EmploymentStatus.RETIRED
    return EmploymentStatus.UNEMPLOYED if draw.rng.random() < 0.06 else EmploymentStatus.EMPLOYED


def _fix_voters(draw: _Draw, families: Sequence[list[_Person]], voters: int) -> None:
    """Make the number of permanent residents aged 18+ equal ``voters``."""
    permanent = [p for fam in families for p in fam if not p.floating]
    adults = sum(p.age >= 18 for p in permanent)
    movable = [
        p for p in permanent if p.relation in (RelationToHead.CHILD, RelationToHead.GRANDCHILD)
    ]
    draw.rng.shuffle(movable)
    for person in movable:
        if adults == voters:
            return
        if adults > voters and person.age >= 18:
            person.age = draw.rng.randint(3, 17)
            adults -= 1
        elif adults < voters and person.age < 18:
            person.age = draw.rng.randint(18, 30)
            adults += 1
    if adults != voters:
        raise ValueError(f"cannot reach {voters} voters among {len(permanent)} permanent residents")


def generate_community(
    spec: CommunitySpec, rng: random.Random, faker: Faker, today: date
) -> CommunityData:
    """Every core record of ``spec``'s community, matching its figures exactly."""
    draw = _Draw(rng, faker)
    office = StreetOffice(
        id=draw.uuid(), name=spec.street_office, district=spec.district, city=spec.city
    )
    community = Community(
        id=draw.uuid(),
        name=spec.name,
        street_office_id=office.id,
        area_km2=spec.area_km2,
        founded_on=spec.founded_on,
        office_area_m2=spec.office_area_m2,
        honours=spec.honours,
    )
    cid = community.id
    street = str(faker.street_name())
    groups = tuple(
        ResidentsGroup(id=draw.uuid(), community_id=cid, number=n, name=f"第{n}居民小组")
        for n in range(1, spec.residents_groups + 1)
    )
    zones = tuple(
        GridZone(id=draw.uuid(), community_id=cid, number=n, name=f"第{n}网格")
        for n in range(1, spec.grid_zones + 1)
    )
    compounds = tuple(
        Compound(
            id=draw.uuid(),
            community_id=cid,
            name=f"{faker.last_name()}{suffix}",
            address=f"{street}{rng.randint(1, 300)}号",
            gated=i < spec.compounds - 1,
        )
        for i, suffix in enumerate(["苑", "园", "小区", "花园", "新村", "家园", "公寓"] * 3)
        if i < spec.compounds
    )
    buildings = tuple(
        Building(
            id=draw.uuid(),
            community_id=cid,
            name=f"{n}号楼",
            compound_id=compounds[n % len(compounds)].id if compounds else None,
            grid_zone_id=zones[(n - 1) * len(zones) // spec.buildings].id,
            units=rng.randint(2, 6),
            gated=n <= spec.gated_buildings,
        )
        for n in range(1, spec.buildings + 1)
    )

    sizes = _household_sizes(draw, spec.households, spec.residents)
    minority_flags = [True] * spec.minority_households + [False] * (
        spec.households - spec.minority_households
    )
    rng.shuffle(minority_flags)
    minorities = spec.ethnicities[1:]
    families: list[list[_Person]] = []
    household_floating: list[bool] = []
    minority_seen = 0
    for size, minority in zip(sizes, minority_flags, strict=True):
        if minority:
            # The first households of each group guarantee every group is present.
            ethnicity = (
                minorities[minority_seen]
                if minority_seen < len(minorities)
                else rng.choice(minorities)
            )
            minority_seen += 1
        else:
            ethnicity = spec.ethnicities[0]
        floating = rng.random() < spec.floating_share
        household_floating.append(floating)
        families.append(_family(draw, size, ethnicity, spec, minority, floating))
    if spec.voters is not None:
        _fix_voters(draw, families, spec.voters)

    prefix = "".join(c for c in spec.key.upper() if c.isalpha())[:3]
    households: list[Household] = []
    residents: list[Resident] = []
    for i, (family, floating) in enumerate(zip(families, household_floating, strict=True)):
        building = buildings[rng.randrange(len(buildings))]
        statuses: set[HouseholdStatus] = set()
        if not floating:
            if rng.random() < 0.035:
                statuses.add(HouseholdStatus.LOW_INCOME)
            if rng.random() < 0.02:
                statuses.add(HouseholdStatus.HARDSHIP)
        if rng.random() < 0.03:
            statuses.add(HouseholdStatus.DISABILITY)
        unit = rng.randint(1, building.units or 1)
        room = f"{rng.randint(1, 7)}0{rng.randint(1, 4)}"
        household_type = HouseholdType.REGISTERED
        if floating:
            household_type = HouseholdType.TENANT if rng.random() < 0.5 else HouseholdType.FLOATING
        household = Household(
            id=draw.uuid(),
            community_id=cid,
            household_no=f"{prefix}{i + 1:05d}",
            household_type=household_type,
            residents_group_id=groups[i * len(groups) // spec.households].id,
            grid_zone_id=building.grid_zone_id,
            building_id=building.id,
            unit=str(unit),
            room=room,
            address=f"{street}{building.name}{unit}单元{room}室",
            statuses=frozenset(statuses),
        )
        households.append(household)
        for person in family:
            born = draw.birth_date(today, person.age)
            registered = None
            if person.floating:
                registered = f"{faker.province()}{faker.city()}{faker.street_name()}"
            residents.append(
                Resident(
                    id=draw.uuid(),
                    community_id=cid,
                    household_id=household.id,
                    relation_to_head=person.relation,
                    name=draw.name(person.gender),
                    gender=person.gender,
                    birth_date=born,
                    ethnicity=person.ethnicity,
                    id_number=draw.id_number(spec.area_code, born, person.gender),
                    phone=draw.mobile()
                    if person.age >= 18
                    and (person.relation is RelationToHead.HEAD or rng.random() < 0.5)
                    else None,
                    registration_status=(
                        RegistrationStatus.FLOATING
                        if person.floating
                        else RegistrationStatus.PERMANENT
                    ),
                    employment_status=_employment(draw, person.age),
                    registered_address=registered,
                    moved_in_on=max(born, today - timedelta(days=rng.randint(30, 9000))),
                )
            )

    staff = _staff(draw, spec, cid, zones, today)
    zones = tuple(
        attrs.evolve(z, owner_staff_id=next((s.id for s in staff if s.grid_zone_id == z.id), None))
        for z in zones
    )
    branches, members = _party(draw, spec, cid, residents, today)
    partners = _partner_units(draw, spec, cid, street, today)
    points = _service_points(draw, spec, cid, street, partners)
    committees, seats = _committees(draw, spec, cid, residents, partners, today)
    return CommunityData(
        street_office=office,
        community=community,
        residents_groups=groups,
        grid_zones=zones,
        compounds=compounds,
        buildings=buildings,
        households=tuple(households),
        residents=tuple(residents),
        staff=staff,
        party_branches=branches,
        party_members=members,
        partner_units=partners,
        service_points=points,
        committees=committees,
        seats=seats,
    )


def _staff(
    draw: _Draw, spec: CommunitySpec, cid: UUID, zones: Sequence[GridZone], today: date
) -> tuple[Staff, ...]:
    positions = ["党组织书记兼居委会主任", "居委会副主任", "居委会委员"]
    grid_workers = spec.staff - len(positions) - PATROL_STAFF
    positions += ["网格员"] * grid_workers + ["专职巡逻员"] * PATROL_STAFF
    result = []
    for i, position in enumerate(positions[: spec.staff]):
        gender = draw.rng.choice(list(Gender))
        # Cadres own the zones (分片包户): first the officers, then the grid workers.
        zone = zones[i].id if i < len(zones) and position != "专职巡逻员" else None
        result.append(
            Staff(
                id=draw.uuid(),
                community_id=cid,
                name=draw.name(gender),
                position=position,
                grid_zone_id=zone,
                phone=draw.mobile(),
                hired_on=today - timedelta(days=draw.rng.randint(200, 5000)),
            )
        )
    return tuple(result)


def _party(
    draw: _Draw, spec: CommunitySpec, cid: UUID, residents: Sequence[Resident], today: date
) -> tuple[tuple[PartyBranch, ...], tuple[PartyMember, ...]]:
    total = sum(spec.party_branches)
    candidates = [
        r
        for r in residents
        if r.registration_status is RegistrationStatus.PERMANENT and r.age_on(today) >= 25
    ]
    chosen = draw.rng.sample(candidates, total - spec.floating_party_members)
    branches = []
    members = []
    pool = list(chosen) + [None] * spec.floating_party_members
    draw.rng.shuffle(pool)
    start = 0
    for n, size in enumerate(spec.party_branches, start=1):
        suffix = "党支部" if len(spec.party_branches) == 1 else f"第{n}党支部"
        branch = PartyBranch(
            id=draw.uuid(),
            community_id=cid,
            name=f"{spec.name}{suffix}",
            activity_day="每月第一个星期五",
            founded_on=spec.founded_on,
        )
        branches.append(branch)
        for person in pool[start : start + size]:
            gender = draw.rng.choice(list(Gender))
            members.append(
                PartyMember(
                    id=draw.uuid(),
                    community_id=cid,
                    branch_id=branch.id,
                    name=person.name if person else draw.name(gender),
                    resident_id=person.id if person else None,
                    joined_on=today - timedelta(days=draw.rng.randint(400, 15000)),
                    floating=person is None,
                    star_rating=draw.rng.randint(6, 10),
                )
            )
        start += size
    return tuple(branches), tuple(members)


def _partner_units(
    draw: _Draw, spec: CommunitySpec, cid: UUID, street: str, today: date
) -> tuple[PartnerUnit, ...]:
    units = []
    for i in range(spec.partner_units):
        kind, pattern = PARTNER_KINDS[i % len(PARTNER_KINDS)]
        name = pattern.format(
            n=i + 1, street=street, district=spec.district, company=draw.faker.company()
        )
        if kind is PartnerUnitKind.HOSPITAL:
            name = f"{spec.name.removesuffix('社区')}{name}"
        units.append(
            PartnerUnit(
                id=draw.uuid(),
                community_id=cid,
                name=name,
                kind=kind,
                credit_code=draw.credit_code(spec.area_code, kind),
                address=f"{street}{draw.rng.randint(1, 400)}号",
                contact_name=draw.name(draw.rng.choice(list(Gender))),
                contact_phone=draw.mobile(),
                council_office="理事" if i < 5 else None,
                agreement_signed_on=(
                    today - timedelta(days=draw.rng.randint(30, 1500))
                    if i < spec.partner_agreements
                    else None
                ),
            )
        )
    return tuple(units)


def _service_points(
    draw: _Draw, spec: CommunitySpec, cid: UUID, street: str, partners: Sequence[PartnerUnit]
) -> tuple[ServicePoint, ...]:
    weekdays = frozenset(range(1, 6))
    ordinary = (
        OpeningHours(weekdays=weekdays, opens=time(9, 30), closes=time(13, 30)),
        OpeningHours(weekdays=weekdays, opens=time(16, 0), closes=time(20, 0)),
    )
    staggered = (
        OpeningHours(weekdays=weekdays, opens=time(13, 30), closes=time(16, 0), staggered=True),
        OpeningHours(weekdays=weekdays, opens=time(20, 0), closes=time(21, 30), staggered=True),
    )
    clinic = next((p for p in partners if p.kind is PartnerUnitKind.HOSPITAL), None)
    points = []
    hours: tuple[OpeningHours, ...]
    for i in range(spec.service_points):
        if i < len(ONE_STOP_WINDOWS):
            kind, name, hours = (
                ServicePointKind.ONE_STOP_WINDOW,
                ONE_STOP_WINDOWS[i],
                ordinary + staggered,
            )
        else:
            kind, name = OTHER_POINTS[(i - len(ONE_STOP_WINDOWS)) % len(OTHER_POINTS)]
            round_ = (i - len(ONE_STOP_WINDOWS)) // len(OTHER_POINTS)
            name = name if round_ == 0 else f"{name}({round_ + 1})"
            hours = ordinary
        points.append(
            ServicePoint(
                id=draw.uuid(),
                community_id=cid,
                name=name,
                kind=kind,
                partner_unit_id=clinic.id if clinic and kind is ServicePointKind.MEDICAL else None,
                address=f"{street}{draw.rng.randint(1, 400)}号",
                phone=draw.mobile(),
                opening_hours=hours,
            )
        )
    return tuple(points)


def _committees(
    draw: _Draw,
    spec: CommunitySpec,
    cid: UUID,
    residents: Sequence[Resident],
    partners: Sequence[PartnerUnit],
    today: date,
) -> tuple[tuple[Committee, ...], tuple[Seat, ...]]:
    term_start = date(today.year - 1, 6, 20)
    adults = [r for r in residents if r.age_on(today) >= 30]

    def committee(
        kind: CommitteeKind, name: str, parent: UUID | None = None, term: int | None = None
    ) -> Committee:
        return Committee(
            id=draw.uuid(),
            community_id=cid,
            kind=kind,
            name=name,
            parent_id=parent,
            term_years=term,
            established_on=spec.founded_on,
        )

    def seats_for(body: Committee, roles: Sequence[str]) -> list[Seat]:
        people = draw.rng.sample(adults, len(roles))
        end = (
            term_start.replace(year=term_start.year + body.term_years) if body.term_years else None
        )
        return [
            Seat(
                id=draw.uuid(),
                community_id=cid,
                committee_id=body.id,
                holder_name=p.name,
                role=role,
                resident_id=p.id,
                term_start=term_start,
                term_end=end,
            )
            for p, role in zip(people, roles, strict=True)
        ]

    residents_committee = committee(
        CommitteeKind.RESIDENTS_COMMITTEE, f"{spec.name}居民委员会", term=3
    )
    assembly = committee(CommitteeKind.REPRESENTATIVE_ASSEMBLY, f"{spec.name}居民代表会议", term=3)
    supervision = committee(
        CommitteeKind.SUPERVISION_COMMITTEE, f"{spec.name}议事监督委员会", term=3
    )
    council = committee(CommitteeKind.CO_CONSTRUCTION_COUNCIL, f"{spec.name}共建理事会")
    harmony = committee(CommitteeKind.HARMONY_ASSOCIATION, f"{spec.name}和谐促进会")
    election = committee(CommitteeKind.ELECTION_COMMITTEE, f"{spec.name}选举委员会")
    bodies = [residents_committee, assembly, supervision, council, harmony, election]
    bodies += [
        committee(CommitteeKind.WORKING_COMMITTEE, n, harmony.id)
        for n in HARMONY_WORKING_COMMITTEES
    ]
    bodies += [committee(CommitteeKind.MASS_ORGANISATION, n) for n in spec.mass_organisations]
    seats = seats_for(residents_committee, ["主任", "委员", "委员"])
    seats += seats_for(election, ["主任", "副主任"] + ["委员"] * 7)
    seats += seats_for(supervision, ["组长", "成员", "成员"])
    council_seats = [
        Seat(
            id=draw.uuid(),
            community_id=cid,
            committee_id=council.id,
            holder_name=p.contact_name or p.name,
            role="理事",
            partner_unit_id=p.id,
            term_start=term_start,
        )
        for p in partners[:5]
    ]
    return tuple(bodies), tuple(seats + council_seats)
