"""Unified social credit codes (统一社会信用代码, GB 32100-2015), checked with python-stdnum."""

from __future__ import annotations

import unicodedata

from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from .rules import RuleViolation

__all__ = ["check_credit_code"]


def check_credit_code(value: object) -> str:
    """Field check: the compact, upper-case code, or :class:`RuleViolation` saying why not."""
    if not isinstance(value, str):
        raise RuleViolation("type.string", "应为文本", "must be text")
    text = unicodedata.normalize("NFKC", value)
    try:
        return str(uscc.validate(text))
    except InvalidLength:
        raise RuleViolation(
            "credit_code.length", "统一社会信用代码应为18位", "must have 18 characters"
        ) from None
    except InvalidChecksum:
        raise RuleViolation(
            "credit_code.check_digit", "校验码错误", "check digit is wrong"
        ) from None
    except ValidationError:
        raise RuleViolation(
            "credit_code.format",
            "格式错误:应为18位数字或大写字母(不含I、O、Z、S、V)",
            "wrong format: 18 digits or capital letters (no I, O, Z, S, V)",
        ) from None
