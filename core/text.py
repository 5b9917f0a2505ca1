"""Text hygiene shared by every app: single-line values and header-safe strings."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Django's forms end a label with _(":") unless it already ends in one of _(":?.!"). Django's
# own Chinese catalogue keeps the ASCII colon and knows no full-width endings, so a Chinese
# label ending in a full-width question mark got an ASCII colon after it. The project's
# catalogue gives the full-width colon and adds the full-width endings; these two entries
# are here so that makemessages keeps them.
LABEL_SUFFIX = gettext_noop(":")
LABEL_ENDINGS = gettext_noop(":?.!")

# Line breaks of every kind (CR, LF, VT, FF, NEL, LS, PS) and the other C0/C1 controls
# except tab: none belongs in a name, and any of them can break an e-mail header or a log.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def validate_single_line(value: str) -> None:
    """Model/form validator: the value is one line of printable text."""
    if value and _CONTROL.search(str(value)):
        raise ValidationError(
            _("Please enter this on one line, without line breaks."), code="single_line"
        )


def one_line(text, limit: int | None = None) -> str:
    """`text` with every run of whitespace and control characters turned into one space."""
    flat = " ".join(_CONTROL.sub(" ", str(text)).split())
    return flat[:limit] if limit else flat
