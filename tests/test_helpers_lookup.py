"""Finding a record by name, number or id: one answer, never a guess among several.

:func:`commons_core.services.lookup`, ``UnitOfWork.find_community`` and the
:class:`~commons_core.services.PluginService` base of plugins' services, on
SQLite and PostgreSQL, as the roles that use them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from commons_core import (
    AccessDenied,
    Actor,
    AmbiguousReference,
    Community,
    ConfigurationError,
    Gender,
    Household,
    NotFound,
    PartnerUnit,
    Refused,
    Resident,
    ValidationError,
)
from commons_core.services import Commons, PluginService, lookup

ActorFor = Callable[..., Actor]


@pytest.fixture
def places(commons: Commons, admin: Actor) -> tuple[Community, Community]:
    """Two communities: 文化路社区 with two partner units named alike, and 天鹤社区."""
    with commons.unit_of_work(admin) as uow:
        first = uow.repo(Community).add(Community(name="文化路社区"))
        second = uow.repo(Community).add(Community(name="天鹤社区"))
        units = uow.repo(PartnerUnit)
        units.add_many(
            [
                PartnerUnit(community_id=first.id, name="第一小学"),
                PartnerUnit(community_id=first.id, name="第一小学"),
                PartnerUnit(community_id=first.id, name="工商银行"),
                PartnerUnit(community_id=second.id, name="第一小学"),
            ]
        )
        uow.households.add_many(
            [
                Household(community_id=first.id, household_no="WHL00012"),
                Household(community_id=second.id, household_no="WHL00012"),
            ]
        )
    return first, second


def test_a_name_an_id_or_a_number_finds_the_one_record(
    commons: Commons, admin: Actor, places: tuple[Community, Community]
) -> None:
    first, second = places
    with commons.unit_of_work(admin, readonly=True) as uow:
        bank = lookup(uow, PartnerUnit, " 工商银行 ", community_id=first.id)
        assert bank.name == "工商银行"
        assert lookup(uow, PartnerUnit, str(bank.id)) == bank
        assert lookup(uow, PartnerUnit, str(bank.id).upper(), community_id=first.id) == bank
        home = lookup(uow, Household, "WHL00012", by="household_no", community_id=second.id)
        assert home.community_id == second.id
        assert uow.find_community("天鹤社区").id == second.id
        assert uow.find_community(f" {first.id} ").id == first.id


def test_several_matches_are_an_ambiguous_reference_listing_them(
    commons: Commons, admin: Actor, places: tuple[Community, Community]
) -> None:
    first, _second = places
    with commons.unit_of_work(admin, readonly=True) as uow:
        schools = {
            u.id
            for u in uow.repo(PartnerUnit).find(uow.repo(PartnerUnit).table.c.name == "第一小学")
            if u.community_id == first.id
        }
        with pytest.raises(AmbiguousReference) as ambiguous:
            lookup(uow, PartnerUnit, "第一小学", community_id=first.id, path="clinic")
        # Every candidate named, in the scope asked; the id is the way out.
        assert set(ambiguous.value.candidates) == schools
        assert ambiguous.value.count == 2
        for school in schools:
            assert str(school) in ambiguous.value.zh
            assert str(school) in ambiguous.value.en
        assert "单位名称为“第一小学”的共建单位有 2 条" in ambiguous.value.zh
        assert "2 partner unit records have the name '第一小学'" in ambiguous.value.en
        assert "give the id" in ambiguous.value.en
        (problem,) = ambiguous.value.problems
        assert (problem.path, problem.code, problem.value) == (
            "clinic",
            "reference.ambiguous",
            "第一小学",
        )
        # Without a community, the three schools of both communities are candidates.
        with pytest.raises(AmbiguousReference) as everywhere:
            lookup(uow, PartnerUnit, "第一小学")
        assert everywhere.value.count == 3
        # An id settles it.
        chosen = sorted(schools)[0]
        assert lookup(uow, PartnerUnit, str(chosen), community_id=first.id).id == chosen


def test_many_matches_list_ten_and_count_all(commons: Commons, admin: Actor) -> None:
    with commons.unit_of_work(admin) as uow:
        place = uow.repo(Community).add(Community(name="慈溪社区"))
        uow.repo(PartnerUnit).add_many(
            PartnerUnit(community_id=place.id, name="物业公司") for _ in range(13)
        )
    with (
        commons.unit_of_work(admin, readonly=True) as uow,
        pytest.raises(AmbiguousReference) as ambiguous,
    ):
        lookup(uow, PartnerUnit, "物业公司", community_id=place.id)
    assert ambiguous.value.count == 13
    assert len(ambiguous.value.candidates) == AmbiguousReference.MAX_CANDIDATES == 10
    assert "另有 3 条" in ambiguous.value.zh
    assert "and 3 more" in ambiguous.value.en


def test_two_communities_of_one_name_are_ambiguous(commons: Commons, admin: Actor) -> None:
    with commons.unit_of_work(admin) as uow:
        twins = uow.repo(Community).add_many(
            [Community(name="新村社区"), Community(name="新村社区")]
        )
    with commons.unit_of_work(admin, readonly=True) as uow:
        with pytest.raises(AmbiguousReference) as ambiguous:
            uow.find_community("新村社区")
        assert set(ambiguous.value.candidates) == {c.id for c in twins}
        assert ambiguous.value.problems[0].path == "community"
        assert uow.find_community(str(twins[1].id)).id == twins[1].id


def test_nothing_found_and_out_of_scope_look_alike(
    commons: Commons, places: tuple[Community, Community], actor_for: ActorFor
) -> None:
    first, second = places
    cadre = actor_for("cadre", first)
    with commons.unit_of_work(Actor.local_admin(), readonly=True) as uow:
        elsewhere = lookup(uow, PartnerUnit, "第一小学", community_id=second.id)
    with commons.unit_of_work(cadre, readonly=True) as uow:
        with pytest.raises(NotFound):
            lookup(uow, PartnerUnit, "邮政局", community_id=first.id)
        # The other community's school by its id, and by its name there: absent, alike.
        with pytest.raises(NotFound):
            lookup(uow, PartnerUnit, str(elsewhere.id))
        with pytest.raises(NotFound):
            lookup(uow, PartnerUnit, "第一小学", community_id=second.id)
        with pytest.raises(NotFound):
            uow.find_community("天鹤社区")
        # The cadre's own community has two schools: ambiguous, the other one unseen.
        with pytest.raises(AmbiguousReference) as ambiguous:
            lookup(uow, PartnerUnit, "第一小学")
        assert elsewhere.id not in ambiguous.value.candidates
        assert ambiguous.value.count == 2
    # A record of another community given by id is not in the community asked for.
    with commons.unit_of_work(Actor.local_admin(), readonly=True) as uow, pytest.raises(NotFound):
        lookup(uow, PartnerUnit, str(elsewhere.id), community_id=first.id)


def test_looking_up_by_a_sensitive_column_needs_its_reveal(
    commons: Commons, admin: Actor, places: tuple[Community, Community], actor_for: ActorFor
) -> None:
    first, _second = places
    number = "11010519491231002X"
    with commons.unit_of_work(admin) as uow:
        person = uow.residents.add(
            Resident(
                community_id=first.id,
                name="张三",
                gender=Gender.FEMALE,
                birth_date=date(1949, 12, 31),
                id_number=number,
            )
        )
    with commons.unit_of_work(actor_for("cadre", first), readonly=True) as uow:
        assert lookup(uow, Resident, number, by="id_number").id == person.id
    reader = actor_for("reader", first)
    with commons.unit_of_work(reader, readonly=True) as uow:
        assert lookup(uow, Resident, "张三", community_id=first.id).id == person.id
        with pytest.raises(AccessDenied, match="reveal:identity"):
            lookup(uow, Resident, number, by="id_number")


def test_wrong_use_is_a_programming_error_and_empty_input_a_problem(
    commons: Commons, admin: Actor, places: tuple[Community, Community]
) -> None:
    first, _second = places
    with commons.unit_of_work(admin, readonly=True) as uow:
        with pytest.raises(ConfigurationError, match="no column nickname"):
            lookup(uow, PartnerUnit, "x", by="nickname")
        with pytest.raises(ConfigurationError, match="belong to no community"):
            lookup(uow, Community, "文化路社区", community_id=first.id)
        with pytest.raises(ValidationError) as empty:
            lookup(uow, PartnerUnit, "  ", path="unit")
        assert [(p.path, p.code) for p in empty.value.problems] == [("unit", "required")]
        with pytest.raises(ValidationError) as control:
            lookup(uow, PartnerUnit, "工商\x07银行", path="unit")
        assert [(p.path, p.code) for p in control.value.problems] == [("unit", "text.control")]


class Counter(PluginService):
    """A plugin's service as a vendor writes it on the base class."""

    def rename(self, community: str, unit: str, name: str) -> PartnerUnit:
        self.require("partner_unit:update")
        place = self.community(community)
        found = self.find(PartnerUnit, unit, community_id=place.id, path="unit")
        if found.name == name:
            self.refuse("example.unchanged", "名称未变", "the name is unchanged")
        return self.repo(PartnerUnit).update(self.valid(_renamed(found, name)))


def _renamed(unit: PartnerUnit, name: str) -> PartnerUnit:
    import attrs

    return attrs.evolve(unit, name=name)


def test_a_plugin_service_checks_finds_refuses_and_validates(
    commons: Commons, admin: Actor, places: tuple[Community, Community], actor_for: ActorFor
) -> None:
    first, _second = places
    with commons.unit_of_work(admin) as uow:
        service = Counter(uow)
        assert service.today == uow.rule_context.today
        assert service.can("partner_unit:update")
        renamed = service.rename("文化路社区", "工商银行", " 工商银行文化路支行 ")
        assert renamed.name == "工商银行文化路支行", "normalised by the rules"
    with commons.unit_of_work(admin) as uow:
        with pytest.raises(Refused) as refused:
            Counter(uow).rename("文化路社区", "工商银行文化路支行", "工商银行文化路支行")
        assert refused.value.code == "example.unchanged"
        assert str(refused.value) == "名称未变 / the name is unchanged"
        with pytest.raises(AmbiguousReference):
            Counter(uow).rename("文化路社区", "第一小学", "实验小学")
        with pytest.raises(ValidationError) as bad:
            Counter(uow).rename("文化路社区", "工商银行文化路支行", "x" * 300)
        assert [p.code for p in bad.value.problems] == ["text.too_long"]
    with (
        commons.unit_of_work(actor_for("reader", first)) as uow,
        pytest.raises(AccessDenied, match="partner_unit:update"),
    ):
        Counter(uow).rename("文化路社区", "工商银行文化路支行", "银行")
