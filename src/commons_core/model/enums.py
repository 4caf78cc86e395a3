"""Enumerations of the domain, each member with a Chinese and an English label.

Values are stable ASCII codes (what the database and JSON hold); ``zh`` and
``en`` are what people read. :meth:`LabeledEnum.parse` accepts any of the
three, which is how spreadsheets in either language are read.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import Self

__all__ = [
    "CommitteeKind",
    "EmploymentStatus",
    "Ethnicity",
    "Gender",
    "HouseholdStatus",
    "HouseholdType",
    "KeyGroupCategory",
    "LabeledEnum",
    "LifeEventKind",
    "PartnerUnitKind",
    "PartyBranchLevel",
    "RegistrationStatus",
    "RelationToHead",
    "ResidentStatus",
    "ServicePointKind",
]


class LabeledEnum(StrEnum):
    """A string enum whose members carry ``zh`` and ``en`` labels."""

    _value_: str
    zh: str
    en: str

    def __new__(cls, value: str, zh: str, en: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh = zh
        member.en = en
        return member

    @classmethod
    def parse(cls, text: str) -> Self:
        """The member whose value, Chinese or English label is ``text``.

        Matching ignores case and surrounding spaces. Raises ``ValueError``
        naming the accepted values when nothing matches.
        """
        table = _lookup(cls)
        found = table.get(text) or table.get(text.strip().casefold())
        if found is None:
            raise ValueError(text)
        return found  # type: ignore[return-value]

    @classmethod
    def choices(cls) -> str:
        """The accepted values, for error messages: ``男/女 (male/female)``."""
        members = list(cls)
        return "/".join(m.zh for m in members) + " (" + "/".join(m.value for m in members) + ")"


@cache
def _lookup(cls: type[LabeledEnum]) -> dict[str, LabeledEnum]:
    table: dict[str, LabeledEnum] = {}
    for member in cls:
        for key in (member.value, member.zh, member.en, *_aliases(member)):
            table.setdefault(key.casefold(), member)
    return table


def _aliases(member: LabeledEnum) -> tuple[str, ...]:
    if isinstance(member, Ethnicity):
        # 汉 as well as 汉族, and the two-digit code of GB/T 3304.
        return (member.zh.removesuffix("族"), member.code, member.letters)
    return ()


class Gender(LabeledEnum):
    """Sex as recorded on the resident ID card (性别)."""

    MALE = "male", "男", "male"
    FEMALE = "female", "女", "female"


class RegistrationStatus(LabeledEnum):
    """Household-registration status of a resident (户籍状态)."""

    PERMANENT = "resident", "常住", "resident"
    FLOATING = "floating", "暂住", "floating"


class ResidentStatus(LabeledEnum):
    """Whether a resident still lives in the community (在册状态)."""

    ACTIVE = "active", "在册", "active"
    MOVED_OUT = "moved_out", "迁出", "moved out"
    DECEASED = "deceased", "死亡", "deceased"


class HouseholdType(LabeledEnum):
    """How a household is registered here (户别)."""

    REGISTERED = "registered", "户籍", "registered"
    FLOATING = "floating", "流动", "floating"
    TENANT = "tenant", "出租私房", "tenant of a private rental"


class HouseholdStatus(LabeledEnum):
    """Special statuses of a household (特殊户)."""

    LOW_INCOME = "low_income", "低保", "low-income (dibao)"
    HARDSHIP = "hardship", "困难", "hardship"
    DISABILITY = "disability", "残疾", "disability"


class EmploymentStatus(LabeledEnum):
    """Employment status of a resident (就业状况)."""

    EMPLOYED = "employed", "在业", "employed"
    UNEMPLOYED = "unemployed", "失业", "unemployed"
    RETIRED = "retired", "离退休", "retired"
    STUDENT = "student", "在校学生", "student"
    PRESCHOOL = "preschool", "学龄前", "pre-school"
    OTHER = "other", "其他", "other"


class RelationToHead(LabeledEnum):
    """A member's relation to the head of household (与户主关系)."""

    HEAD = "head", "户主", "head"
    SPOUSE = "spouse", "配偶", "spouse"
    CHILD = "child", "子女", "child"
    PARENT = "parent", "父母", "parent"
    GRANDCHILD = "grandchild", "孙子女", "grandchild"
    SIBLING = "sibling", "兄弟姐妹", "sibling"
    OTHER = "other", "其他", "other"


class PartyBranchLevel(LabeledEnum):
    """Level of a grass-roots party organisation, which follows its size."""

    BRANCH = "branch", "党支部", "party branch"
    GENERAL_BRANCH = "general_branch", "党总支", "general party branch"
    COMMITTEE = "committee", "党委", "party committee"

    @classmethod
    def for_members(cls, count: int) -> PartyBranchLevel:
        """The level a body of ``count`` members must have (≥50 → 党总支, ≥100 → 党委)."""
        if count >= 100:
            return cls.COMMITTEE
        if count >= 50:
            return cls.GENERAL_BRANCH
        return cls.BRANCH


class CommitteeKind(LabeledEnum):
    """Kinds of committees and organisations in a community (委员会 / 组织)."""

    RESIDENTS_COMMITTEE = "residents_committee", "居民委员会", "residents' committee"
    REPRESENTATIVE_ASSEMBLY = (
        "representative_assembly",
        "居民代表会议",
        "residents' representative assembly",
    )
    SUPERVISION_COMMITTEE = (
        "supervision_committee",
        "议事监督委员会",
        "deliberation and supervision committee",
    )
    CO_CONSTRUCTION_COUNCIL = "co_construction_council", "共建理事会", "co-construction council"
    HARMONY_ASSOCIATION = "harmony_association", "和谐促进会", "harmony promotion association"
    WORKING_COMMITTEE = "working_committee", "工作委员会", "working committee"
    MASS_ORGANISATION = "mass_organisation", "群众组织", "mass organisation"
    ELECTION_COMMITTEE = "election_committee", "选举委员会", "election committee"


class PartnerUnitKind(LabeledEnum):
    """Kinds of partner and resident units (共建单位 / 驻区单位)."""

    SCHOOL = "school", "学校", "school"
    BANK = "bank", "银行", "bank"
    GOVERNMENT = "government", "机关", "government office"
    COMPANY = "company", "企业", "company"
    HOSPITAL = "hospital", "医疗机构", "clinic or hospital"
    OTHER = "other", "其他", "other"


class ServicePointKind(LabeledEnum):
    """Kinds of service outlets and one-stop-centre windows (服务网点 / 服务窗口)."""

    ONE_STOP_WINDOW = "one_stop_window", "一站式服务窗口", "one-stop service window"
    HOUSEKEEPING = "housekeeping", "家政服务", "housekeeping"
    MEDICAL = "medical", "医疗卫生", "medical"
    CULTURE = "culture", "文化活动", "culture"
    ELDERLY_CARE = "elderly_care", "养老服务", "elderly care"
    CONVENIENCE = "convenience", "便民服务", "convenience"
    OTHER = "other", "其他", "other"


class KeyGroupCategory(LabeledEnum):
    """Follow-up categories of key groups (重点人群); the most sensitive data held."""

    FLOATING = "floating", "流动人口", "floating population"
    STUDENT = "student", "在外学生", "students away"
    DRUG_USER = "drug_user", "吸毒人员", "drug users"
    RELEASED_PRISONER = "released_prisoner", "刑释解教人员", "released prisoners"
    PROBLEM_YOUTH = "problem_youth", "问题青少年", "youth at risk"
    DROPOUT = "dropout", "辍学青少年", "school dropouts"


class LifeEventKind(LabeledEnum):
    """Kinds of entries in a resident's or household's history (变动记录)."""

    REGISTERED = "registered", "登记", "registered"
    BORN = "born", "出生", "born"
    MOVED_IN = "moved_in", "迁入", "moved in"
    MOVED_OUT = "moved_out", "迁出", "moved out"
    DECEASED = "deceased", "死亡", "deceased"
    STATUS_CHANGED = "status_changed", "状态变更", "status changed"


class Ethnicity(LabeledEnum):
    """The 56 officially recognised ethnic groups (民族), GB/T 3304-1991.

    The value is the official romanisation; ``code`` is the two-digit number
    and ``letters`` the two-letter code of the standard.
    """

    HAN = "Han", "汉族", "Han"
    MONGOL = "Mongol", "蒙古族", "Mongol"
    HUI = "Hui", "回族", "Hui"
    ZANG = "Zang", "藏族", "Tibetan"
    UYGUR = "Uygur", "维吾尔族", "Uyghur"
    MIAO = "Miao", "苗族", "Miao"
    YI = "Yi", "彝族", "Yi"
    ZHUANG = "Zhuang", "壮族", "Zhuang"
    BUYEI = "Buyei", "布依族", "Bouyei"
    CHOSEN = "Chosen", "朝鲜族", "Korean"
    MAN = "Man", "满族", "Manchu"
    DONG = "Dong", "侗族", "Dong"
    YAO = "Yao", "瑶族", "Yao"
    BAI = "Bai", "白族", "Bai"
    TUJIA = "Tujia", "土家族", "Tujia"
    HANI = "Hani", "哈尼族", "Hani"
    KAZAK = "Kazak", "哈萨克族", "Kazakh"
    DAI = "Dai", "傣族", "Dai"
    LI = "Li", "黎族", "Li"
    LISU = "Lisu", "傈僳族", "Lisu"
    VA = "Va", "佤族", "Va"
    SHE = "She", "畲族", "She"
    GAOSHAN = "Gaoshan", "高山族", "Gaoshan"
    LAHU = "Lahu", "拉祜族", "Lahu"
    SUI = "Sui", "水族", "Sui"
    DONGXIANG = "Dongxiang", "东乡族", "Dongxiang"
    NAXI = "Naxi", "纳西族", "Naxi"
    JINGPO = "Jingpo", "景颇族", "Jingpo"
    KIRGIZ = "Kirgiz", "柯尔克孜族", "Kyrgyz"
    TU = "Tu", "土族", "Tu"
    DAUR = "Daur", "达斡尔族", "Daur"
    MULAO = "Mulao", "仫佬族", "Mulao"
    QIANG = "Qiang", "羌族", "Qiang"
    BLANG = "Blang", "布朗族", "Blang"
    SALAR = "Salar", "撒拉族", "Salar"
    MAONAN = "Maonan", "毛南族", "Maonan"
    GELAO = "Gelao", "仡佬族", "Gelao"
    XIBE = "Xibe", "锡伯族", "Xibe"
    ACHANG = "Achang", "阿昌族", "Achang"
    PUMI = "Pumi", "普米族", "Pumi"
    TAJIK = "Tajik", "塔吉克族", "Tajik"
    NU = "Nu", "怒族", "Nu"
    UZBEK = "Uzbek", "乌孜别克族", "Uzbek"
    RUSS = "Russ", "俄罗斯族", "Russian"
    EWENKI = "Ewenki", "鄂温克族", "Evenk"
    DEANG = "Deang", "德昂族", "De'ang"
    BONAN = "Bonan", "保安族", "Bonan"
    YUGUR = "Yugur", "裕固族", "Yugur"
    GIN = "Gin", "京族", "Gin"
    TATAR = "Tatar", "塔塔尔族", "Tatar"
    DERUNG = "Derung", "独龙族", "Derung"
    OROQEN = "Oroqen", "鄂伦春族", "Oroqen"
    HEZHEN = "Hezhen", "赫哲族", "Hezhen"
    MONBA = "Monba", "门巴族", "Monba"
    LHOBA = "Lhoba", "珞巴族", "Lhoba"
    JINO = "Jino", "基诺族", "Jino"

    @property
    def code(self) -> str:
        """The two-digit GB/T 3304 code: ``01`` for 汉族 … ``56`` for 基诺族."""
        return f"{_ETHNICITY_ORDER[self] + 1:02d}"

    @property
    def letters(self) -> str:
        """The two-letter GB/T 3304 code: ``HA`` for 汉族."""
        return _ETHNICITY_LETTERS[_ETHNICITY_ORDER[self]]

    @property
    def is_minority(self) -> bool:
        """Whether this is one of the 55 minority groups (少数民族)."""
        return self is not Ethnicity.HAN


_ETHNICITY_ORDER: dict[Ethnicity, int] = {member: i for i, member in enumerate(Ethnicity)}
_ETHNICITY_LETTERS = [
    "HA",
    "MG",
    "HU",
    "ZA",
    "UG",
    "MH",
    "YI",
    "ZH",
    "BY",
    "CS",
    "MA",
    "DO",
    "YA",
    "BA",
    "TJ",
    "HN",
    "KZ",
    "DA",
    "LI",
    "LS",
    "VA",
    "SH",
    "GS",
    "LH",
    "SU",
    "DX",
    "NX",
    "JP",
    "KG",
    "TU",
    "DU",
    "ML",
    "QI",
    "BL",
    "SL",
    "MN",
    "GL",
    "XB",
    "AC",
    "PM",
    "TA",
    "NU",
    "UZ",
    "RS",
    "EW",
    "DE",
    "BN",
    "YG",
    "GI",
    "TT",
    "DR",
    "OR",
    "HZ",
    "MB",
    "LB",
    "JN",
]
