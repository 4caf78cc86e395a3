"""What text fields may hold: any character but the control characters below U+0020
other than tab, line feed and carriage return.

Those cannot be kept in an XML document (a worksheet cell, among others), and
in a register they are always debris from copying, never data.
"""

from __future__ import annotations

import re

__all__ = ["CONTROL_CHARACTERS"]

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""The characters text may not hold (XML 1.0's, and openpyxl's ``ILLEGAL_CHARACTERS_RE``)."""
