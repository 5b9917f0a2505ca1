"""Category expansion for a live merchant: request a category with its test report; staff
approve (the report is accepted and the category added, so `can_sell` says yes) or reject.

Portal, admin and API all call these functions; staff who add a category for a merchant
file the same request, with the same report."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.alerts import AlertSpec, raise_alerts
from core.audit import record_decision
from core.exceptions import DomainError
from core.roles import Role
from core.uploads import atomic_with_uploads
from merchants.models import CategoryRequest, Document, DocumentType, Merchant
from merchants.services.onboarding import (
    _notify_owners,
    _require_reason,
    document_field_errors,
    ensure_can_act_for,
    ensure_staff,
    review_document,
    store_document,
)
from merchants.services.selling import _after_restriction_change, selling_categories

OPEN_REPORT_STATES = (Document.Status.PENDING, Document.Status.ACCEPTED)


def _report_errors(*, merchant, category, test_report, fields: dict) -> dict:
    """A request carries exactly one test report for its own category: an existing one of
    the merchant's (awaiting review or accepted) or a new upload."""
    if test_report is not None:
        if test_report.merchant_id != merchant.pk:
            return {"test_report": _("The merchant has no such test report.")}
        if test_report.document_type != DocumentType.TEST_REPORT:
            return {"test_report": _("This document is not a product quality test report.")}
        if category is not None and test_report.category_id != category.pk:
            return {
                "test_report": _("This test report is for %(other)s, not for %(category)s.")
                % {"other": test_report.category, "category": category}
            }
        if test_report.status not in OPEN_REPORT_STATES:
            return {
                "test_report": _("This test report was %(status)s; upload a new one.")
                % {"status": test_report.get_status_display()}
            }
        if test_report.expires_on and test_report.expires_on <= timezone.localdate():
            return {"test_report": _("This test report has expired; upload a new one.")}
        return {}
    if fields.get("file") is None:
        return {
            "file": _(
                "Attach the category's product quality test report (PDF, JPEG or PNG); "
                "a category is requested together with its report."
            )
        }
    return document_field_errors(
        document_type=DocumentType.TEST_REPORT,
        number=fields.get("number"),
        issuer=fields.get("issuer"),
        issued_on=fields.get("issued_on"),
        expires_on=fields.get("expires_on"),
    )


@atomic_with_uploads()
def request_category(
    *,
    merchant: Merchant,
    actor,
    category,
    test_report: Document | None = None,
    number: str = "",
    issuer: str = "",
    issued_on: date | None = None,
    expires_on: date | None = None,
    file=None,
) -> CategoryRequest:
    """A live merchant (or Merchant Management for it) asks to sell in one more category.
    Every check runs before the report's file is written; nothing is granted yet."""
    ensure_can_act_for(actor, merchant)
    if not merchant.is_live:
        raise DomainError(
            _(
                "Only a live merchant requests new categories; during onboarding choose them "
                "in the application."
            ),
            code="not_live",
        )
    errors = {}
    if category is None:
        errors["category"] = _("Choose the category to sell in.")
    elif not category.active:
        errors["category"] = _("%(category)s is closed for new listings.") % {"category": category}
    elif selling_categories(merchant).filter(pk=category.pk).exists():
        errors["category"] = _("You already sell in %(category)s.") % {"category": category}
    elif CategoryRequest.objects.filter(
        merchant=merchant, category=category, status=CategoryRequest.Status.REQUESTED
    ).exists():
        errors["category"] = _("A request for %(category)s is already waiting for review.") % {
            "category": category
        }
    errors.update(
        _report_errors(
            merchant=merchant,
            category=category,
            test_report=test_report,
            fields={
                "number": number,
                "issuer": issuer,
                "issued_on": issued_on,
                "expires_on": expires_on,
                "file": file,
            },
        )
    )
    if errors:
        raise DomainError(errors, code="invalid_category_request")
    if test_report is None:
        test_report = store_document(
            merchant=merchant,
            actor=actor,
            document_type=DocumentType.TEST_REPORT,
            category=category,
            number=number,
            issuer=issuer,
            issued_on=issued_on,
            expires_on=expires_on,
            file=file,
        )
    try:
        with transaction.atomic():
            category_request = CategoryRequest.objects.create(
                merchant=merchant,
                category=category,
                test_report=test_report,
                requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError as exc:  # a request raced ours
        raise DomainError(
            {
                "category": _("A request for %(category)s is already waiting for review.")
                % {"category": category}
            },
            code="open_request",
        ) from exc
    record_decision(
        category_request,
        action="requested",
        to_state=CategoryRequest.Status.REQUESTED,
        actor=actor,
        data={"test_report": test_report.pk},
    )
    _tell_merchant_management(category_request)
    return category_request


def _tell_merchant_management(category_request: CategoryRequest) -> None:
    group = Group.objects.filter(name=Role.MERCHANT_MANAGEMENT).first()
    if group is None:
        return
    raise_alerts(
        [
            AlertSpec(
                kind="category_requested",
                key=f"category_requested:{category_request.pk}",
                group_id=group.pk,
                obj=category_request,
                payload={
                    "merchant": str(category_request.merchant),
                    "category": str(category_request.category),
                },
                url=reverse("admin:merchants_categoryrequest_change", args=[category_request.pk]),
            )
        ]
    )


def _locked_open(category_request: CategoryRequest) -> CategoryRequest:
    category_request = (
        CategoryRequest.objects.select_for_update()
        .select_related("merchant", "category", "test_report")
        .get(pk=category_request.pk)
    )
    if category_request.status != CategoryRequest.Status.REQUESTED:
        raise DomainError(
            _("This request has already been decided (%(status)s).")
            % {"status": category_request.get_status_display()},
            code="decided",
        )
    return category_request


def _decide(category_request: CategoryRequest, to: str, *, actor, reason: str) -> None:
    category_request.status = to
    category_request.reason = reason
    category_request.decided_by = actor
    category_request.decided_at = timezone.now()
    category_request.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    record_decision(
        category_request,
        action="decide",
        from_state=CategoryRequest.Status.REQUESTED,
        to_state=to,
        actor=actor,
        reason=reason,
    )
    _notify_owners(
        category_request.merchant,
        kind="category_request_decided",
        key=f"category_request_decided:{category_request.pk}",
        payload={
            "category": str(category_request.category),
            "status": to,  # a code: the reader's language at reading
            "reason": reason,
        },
        url=reverse("merchants:portal-categories"),
    )


@transaction.atomic
def approve_category_request(
    *, category_request: CategoryRequest, actor, reason: str = ""
) -> CategoryRequest:
    """Accept the request's test report (when it still waits) and add the category: from
    now on `can_sell` allows it, and listings held back in it come back."""
    ensure_staff(actor)
    category_request = _locked_open(category_request)
    report = category_request.test_report
    if report.status == Document.Status.PENDING:
        review_document(document=report, actor=actor, verdict=Document.Status.ACCEPTED, note=reason)
    elif report.status != Document.Status.ACCEPTED:
        raise DomainError(
            _("The request's test report was %(status)s; reject the request.")
            % {"status": report.get_status_display()},
            code="report_not_acceptable",
        )
    category_request.merchant.categories.add(category_request.category)
    _decide(category_request, CategoryRequest.Status.APPROVED, actor=actor, reason=reason)
    _after_restriction_change(category_request.merchant)
    return category_request


@transaction.atomic
def reject_category_request(
    *,
    category_request: CategoryRequest,
    actor,
    reason: str,
    reason_code: str = Document.Reason.OTHER,
) -> CategoryRequest:
    """Refuse the category; a test report still waiting is rejected with the same reason."""
    ensure_staff(actor)
    reason = _require_reason(reason)
    category_request = _locked_open(category_request)
    if category_request.test_report.status == Document.Status.PENDING:
        review_document(
            document=category_request.test_report,
            actor=actor,
            verdict=Document.Status.REJECTED,
            reason_code=reason_code or Document.Reason.OTHER,
            note=reason,
        )
    _decide(category_request, CategoryRequest.Status.REJECTED, actor=actor, reason=reason)
    return category_request


def category_requests_of(merchant: Merchant):
    return CategoryRequest.objects.filter(merchant=merchant).select_related(
        "category", "test_report", "decided_by"
    )
