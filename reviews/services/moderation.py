"""Staff fold and unfold reviews (never delete them) and decide on integrity signals."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record_decision
from core.exceptions import DomainError, InvalidTransition, NotAllowed
from core.roles import Role, has_role
from reviews.models import IntegritySignal, ProductReview

MODERATORS = (Role.CONSUMER_SERVICE, Role.QUALITY_MANAGEMENT)


def can_moderate(user) -> bool:
    return has_role(user, *MODERATORS)


def _check_moderator(by) -> None:
    if not can_moderate(by):
        raise NotAllowed(_("Only review moderators may do this."), code="not_moderator")


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the public reason."), code="reason_required")
    return reason


def _lock(review: ProductReview) -> ProductReview:
    return ProductReview.objects.select_for_update().get(pk=review.pk)


@transaction.atomic
def fold_review(*, review: ProductReview, by, reason: str) -> ProductReview:
    """Fold a review: it stays public, shown as "folded because …" and opened on click.
    Its open signals are settled by this decision."""
    _check_moderator(by)
    reason = _reason(reason)
    review = _lock(review)
    if review.folded:
        raise InvalidTransition(_("This review is already folded."), code="folded")
    now = timezone.now()
    review.folded, review.fold_reason, review.folded_at, review.folded_by = True, reason, now, by
    review.save(update_fields=["folded", "fold_reason", "folded_at", "folded_by"])
    record_decision(
        review, action="fold", from_state="shown", to_state="folded", actor=by, reason=reason
    )
    review.signals.filter(status=IntegritySignal.Status.OPEN).update(
        status=IntegritySignal.Status.FOLDED, decided_at=now, decided_by=by, decision_note=reason
    )
    return review


@transaction.atomic
def unfold_review(*, review: ProductReview, by, reason: str) -> ProductReview:
    _check_moderator(by)
    reason = _reason(reason)
    review = _lock(review)
    if not review.folded:
        raise InvalidTransition(_("This review is not folded."), code="not_folded")
    # The public fold reason is kept in the decision record; the review shows plainly again.
    review.folded, review.fold_reason, review.folded_at, review.folded_by = False, "", None, None
    review.save(update_fields=["folded", "fold_reason", "folded_at", "folded_by"])
    record_decision(
        review, action="unfold", from_state="folded", to_state="shown", actor=by, reason=reason
    )
    return review


@transaction.atomic
def dismiss_signal(*, signal: IntegritySignal, by, note: str = "") -> IntegritySignal:
    """Staff looked at the evidence and keep the review as it is."""
    _check_moderator(by)
    signal = IntegritySignal.objects.select_for_update().get(pk=signal.pk)
    if signal.status != IntegritySignal.Status.OPEN:
        raise InvalidTransition(_("This signal has already been decided."), code="decided")
    signal.status = IntegritySignal.Status.DISMISSED
    signal.decided_at, signal.decided_by = timezone.now(), by
    signal.decision_note = (note or "").strip()
    signal.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    record_decision(
        signal,
        action="dismiss",
        from_state=IntegritySignal.Status.OPEN,
        to_state=IntegritySignal.Status.DISMISSED,
        actor=by,
        reason=signal.decision_note,
        data={"kind": signal.kind, "review": signal.review_id},
    )
    return signal
