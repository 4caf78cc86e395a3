"""Validation: field checks built on python-stdnum and phonenumbers, and cross-field rules."""

from .credit_code import check_credit_code
from .date_rules import date_range, not_in_future
from .identity import IdNumberFacts, id_number_facts, mask_id_number, normalize_id_number
from .money import Money, money_field
from .phone import check_phone, mask_phone, normalize_phone
from .rules import (
    FieldRule,
    ObjectRule,
    Rule,
    RuleContext,
    RuleSet,
    RuleViolation,
    declare_codes,
)

__all__ = [
    "FieldRule",
    "IdNumberFacts",
    "Money",
    "ObjectRule",
    "Rule",
    "RuleContext",
    "RuleSet",
    "RuleViolation",
    "check_credit_code",
    "check_phone",
    "date_range",
    "declare_codes",
    "id_number_facts",
    "mask_id_number",
    "mask_phone",
    "money_field",
    "normalize_id_number",
    "normalize_phone",
    "not_in_future",
]
