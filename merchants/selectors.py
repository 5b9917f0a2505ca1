"""Reads, scoped to who is asking."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from merchants.models import Merchant, Restriction


def merchant_of(user) -> Merchant | None:
    """The merchant a user belongs to, or None for staff, consumers and anonymous users."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = getattr(user, "membership", None)
    return membership.merchant if membership is not None else None


def scoped(queryset, user, *, staff_roles=None, merchant_field: str = "merchant"):
    """The one read rule for rows that belong to a merchant: a merchant's users see their
    merchant's rows (`merchant_field` is the lookup to the merchant), staff of
    `staff_roles` see all of them (any department when None; nobody when empty), everyone
    else sees nothing."""
    from core.roles import Role, has_role

    merchant = merchant_of(user)
    if merchant is not None:
        return queryset.filter(**{merchant_field: merchant.pk})
    roles = Role.values if staff_roles is None else staff_roles
    if roles and has_role(user, *roles):
        return queryset
    return queryset.none()


def active_restrictions(*, at=None):
    at = at or timezone.now()
    return Restriction.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=at), lifted_at__isnull=True, starts_at__lte=at
    )


# The users of a merchant who are told about its complaint cases: owners, and staff members
# with the `handles_cases` right (active accounts only). A SQL fragment for set-based
# statements of higher apps: `{merchant}` is the SQL expression of the merchant id.
CASE_HANDLERS_SQL = """
    SELECT m.user_id FROM merchants_membership AS m
      JOIN core_user AS u ON u.id = m.user_id AND u.is_active
     WHERE m.merchant_id = {merchant} AND (m.role = 'owner' OR m.handles_cases)
"""


def case_handlers(merchant_id: int) -> list[int]:
    """User ids of `CASE_HANDLERS_SQL` for one merchant."""
    from merchants.models import Membership

    return list(
        Membership.objects.filter(merchant_id=merchant_id, user__is_active=True)
        .filter(models.Q(role=Membership.Role.OWNER) | models.Q(handles_cases=True))
        .values_list("user_id", flat=True)
        .order_by("user_id")
    )


def latest_rules(codes=None):
    """The latest version of each violation rule (of these codes), one query."""
    from merchants.models import ViolationRule

    rules = ViolationRule.objects.order_by("code", "-version").distinct("code")
    return rules if codes is None else rules.filter(code__in=list(codes))


def owners_by_merchant(merchant_ids) -> dict[int, list[int]]:
    """The owners' user ids of each of these merchants, in one query."""
    from core.db import in_ids
    from merchants.models import Membership

    owners: dict[int, list[int]] = {}
    for merchant_id, user_id in Membership.objects.filter(
        in_ids("merchant_id", merchant_ids), role=Membership.Role.OWNER
    ).values_list("merchant_id", "user_id"):
        owners.setdefault(merchant_id, []).append(user_id)
    return owners


# --- standing reads (violation entries, sanctions, appeals) ------------------------------------
# A merchant's users see their merchant only, standing staff see every merchant, everyone
# else sees nothing.


def _standing_scoped(queryset, user):
    from merchants.services.standing_setup import STANDING_READERS

    return scoped(queryset, user, staff_roles=STANDING_READERS)


def entries_visible_to(user):
    from merchants.models import ViolationEntry

    return _standing_scoped(
        ViolationEntry.objects.select_related("merchant", "rule", "evidence_type"), user
    )


def sanctions_visible_to(user):
    from merchants.models import Sanction

    return _standing_scoped(
        Sanction.objects.select_related("merchant", "rule", "restriction", "evidence_type"), user
    )


def appeals_visible_to(user):
    from merchants.models import Appeal

    return _standing_scoped(
        Appeal.objects.select_related("merchant", "entry", "sanction", "reviewer"), user
    )
