"""Standing reads, scoped to who is asking: a merchant's users see their merchant only,
standing staff see every merchant, everyone else sees nothing."""

from merchants.models import Appeal, Sanction, ViolationEntry
from merchants.selectors import scoped
from merchants.standing_setup import STANDING_READERS


def _scoped(queryset, user):
    return scoped(queryset, user, staff_roles=STANDING_READERS)


def entries_visible_to(user):
    return _scoped(ViolationEntry.objects.select_related("merchant", "rule", "evidence_type"), user)


def sanctions_visible_to(user):
    return _scoped(
        Sanction.objects.select_related("merchant", "rule", "restriction", "evidence_type"), user
    )


def appeals_visible_to(user):
    return _scoped(Appeal.objects.select_related("merchant", "entry", "sanction", "reviewer"), user)
