"""Consumer identifiers (pure, no database): one normal form, so the same person written two
ways ("Li@Example.com ", "+86 138-0013-8000") compares equal everywhere."""

import re

_NOT_DIGIT = re.compile(r"\D")
_PHONE = re.compile(r"^\+?[\d\s().-]{6,}$")


def normalize(identifier: str) -> str:
    """Emails lowercased; phone numbers reduced to digits (Chinese mobiles without +86);
    anything else stripped and lowercased."""
    value = (identifier or "").strip()
    if "@" in value:
        return value.lower()
    if _PHONE.match(value):
        digits = _NOT_DIGIT.sub("", value)
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        return digits
    return value.lower()
