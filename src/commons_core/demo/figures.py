"""The demo communities and the figures the source documents give for them.

The demo must reproduce these exactly; ``commons report community-summary``
on the demo is held against them in the tests.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from commons_core.model import Ethnicity

__all__ = ["CIXI", "DEMO_COMMUNITIES", "TIANHE", "WENHUALU", "CommunitySpec"]


@attrs.frozen(kw_only=True)
class CommunitySpec:
    """What one demo community must contain."""

    key: str
    name: str
    street_office: str
    district: str
    city: str
    area_code: str
    """The six-digit division code its residents' ID numbers carry."""
    area_km2: Decimal | None
    founded_on: date | None
    office_area_m2: Decimal | None
    honours: tuple[str, ...]
    households: int
    residents: int
    minority_households: int
    ethnicities: tuple[Ethnicity, ...]
    """Every group present; the first is the majority."""
    residents_groups: int
    grid_zones: int
    compounds: int
    buildings: int
    gated_buildings: int
    party_branches: tuple[int, ...]
    """Members per party organisation (its level follows the count)."""
    floating_party_members: int
    staff: int
    partner_units: int
    partner_agreements: int
    service_points: int
    floating_share: float
    """Share of households registered as floating (流动)."""
    voters: int | None = None
    """Registered residents aged 18+ (选民), where the documents give it."""
    mass_organisations: tuple[str, ...] = ()


WENHUALU = CommunitySpec(
    key="wenhualu",
    name="文化路社区",
    street_office="阜新街街道",
    district="天山区",
    city="乌鲁木齐市",
    area_code="650102",
    area_km2=Decimal("0.65"),
    founded_on=date(1996, 5, 1),
    office_area_m2=Decimal("1048"),
    honours=("学习型社区", "民族团结社区", "文明社区", "平安社区", "自治区级和谐社区"),
    households=2078,
    residents=5835,
    minority_households=866,
    ethnicities=(
        Ethnicity.HAN,
        Ethnicity.UYGUR,
        Ethnicity.KAZAK,
        Ethnicity.HUI,
        Ethnicity.MAN,
        Ethnicity.MONGOL,
        Ethnicity.XIBE,
    ),
    residents_groups=8,
    grid_zones=6,
    compounds=3,
    buildings=23,
    gated_buildings=18,
    party_branches=(64,),
    floating_party_members=2,
    staff=9,
    partner_units=24,
    partner_agreements=22,
    service_points=26,
    floating_share=0.15,
    mass_organisations=(
        "秦腔协会",
        "京剧票友协会",
        "书法协会",
        "刺绣协会",
        "舞蹈队",
        "合唱团",
        "太极拳队",
        "老年协会",
        "文体协会",
        "志愿者协会",
        "人民调解委员会",
        "民族团结互助会",
    ),
)

TIANHE = CommunitySpec(
    key="tianhe",
    name="天鹤社区",
    street_office="书院路街道",
    district="岳塘区",
    city="湘潭市",
    area_code="430304",
    area_km2=Decimal("0.55"),
    founded_on=None,
    office_area_m2=None,
    honours=("和谐社区", "绿色社区"),
    households=1267,
    residents=4638,
    minority_households=21,
    ethnicities=(Ethnicity.HAN, Ethnicity.TUJIA, Ethnicity.MIAO, Ethnicity.HUI),
    residents_groups=41,
    grid_zones=5,
    compounds=7,
    buildings=35,
    gated_buildings=20,
    party_branches=(98, 48),
    floating_party_members=4,
    staff=11,
    partner_units=2,
    partner_agreements=2,
    service_points=14,
    floating_share=0.1,
    mass_organisations=("环保志愿者队", "老年人协会", "文体协会", "志愿者协会"),
)

CIXI = CommunitySpec(
    key="cixi",
    name="慈溪社区",
    street_office="古塘街道",
    district="慈溪市",
    city="宁波市",
    area_code="330282",
    area_km2=None,
    founded_on=None,
    office_area_m2=None,
    honours=("民主法治示范社区",),
    households=1400,
    residents=3900,
    minority_households=12,
    ethnicities=(Ethnicity.HAN, Ethnicity.TUJIA, Ethnicity.MIAO),
    residents_groups=12,
    grid_zones=5,
    compounds=4,
    buildings=30,
    gated_buildings=12,
    party_branches=(46,),
    floating_party_members=6,
    staff=9,
    partner_units=15,
    partner_agreements=15,
    service_points=8,
    floating_share=2 / 3,
    voters=1226,
    mass_organisations=("人民调解委员会", "文体协会"),
)

DEMO_COMMUNITIES = (WENHUALU, TIANHE, CIXI)
