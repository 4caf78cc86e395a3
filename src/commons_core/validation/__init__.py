"""Validation: field checks built on python-stdnum and phonenumbers, and cross-field rules."""

from .credit_code import check_credit_code
from .identity import IdNumberFacts, id_number_facts, mask_id_number, normalize_id_number
from .phone import check_phone, mask_phone, normalize_phone
from .rules import FieldRule, ObjectRule, Rule, RuleContext, RuleSet, RuleViolation

__all__ = [
    "FieldRule",
    "IdNumberFacts",
    "ObjectRule",
    "Rule",
    "RuleContext",
    "RuleSet",
    "RuleViolation",
    "check_credit_code",
    "check_phone",
    "id_number_facts",
    "mask_id_number",
    "mask_phone",
    "normalize_id_number",
    "normalize_phone",
]
