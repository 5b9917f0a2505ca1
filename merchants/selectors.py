"""Reads, scoped to who is asking."""

from django.db.models import Q
from django.utils import timezone

from merchants.models import Merchant, Restriction


def merchant_of(user) -> Merchant | None:
    """The merchant a user belongs to, or None for staff, consumers and anonymous users."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = getattr(user, "membership", None)
    return membership.merchant if membership is not None else None


def active_restrictions(*, at=None):
    at = at or timezone.now()
    return Restriction.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=at), lifted_at__isnull=True, starts_at__lte=at
    )
