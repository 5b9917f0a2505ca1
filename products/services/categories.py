"""Category flags the products app manages for the whole platform."""

from django.db import transaction

from core.audit import record_decision


@transaction.atomic
def set_categories_active(*, queryset, active: bool, by, reason: str = "") -> int:
    """Open or close categories for new listings (existing listings are not touched)."""
    changed = list(queryset.select_for_update().exclude(active=active))
    for category in changed:
        category.active = active
        category.save(update_fields=["active"])
        record_decision(
            category,
            action="activate" if active else "deactivate",
            from_state=str(not active).lower(),
            to_state=str(active).lower(),
            actor=by,
            reason=reason,
        )
    return len(changed)


@transaction.atomic
def set_return_exclusion(*, queryset, excluded: bool, by, reason: str = "") -> int:
    """Mark categories excluded from (or back under) the 7-day no-reason return."""
    changed = list(queryset.select_for_update().exclude(excluded_from_no_reason_return=excluded))
    for category in changed:
        category.excluded_from_no_reason_return = excluded
        category.save(update_fields=["excluded_from_no_reason_return"])
        record_decision(
            category,
            action="return_exclusion",
            from_state=str(not excluded).lower(),
            to_state=str(excluded).lower(),
            actor=by,
            reason=reason,
        )
    return len(changed)
