"""Documents: upload checks, review verdicts with reason codes, per-category rules."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from core.exceptions import DomainError, NotAllowed
from core.models import Decision, Upload
from merchants import services
from merchants.models import CategoryDocumentRule, Document, DocumentType
from tests import files
from tests.factories.core import CategoryFactory
from tests.merchants.onboarding_helpers import signed_up, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(role_user):
    return role_user("merchant_management")


def test_upload_stores_file_and_document_pending_review():
    owner, merchant, category = signed_up()
    document = upload(merchant, owner, "test_report", category)
    assert document.status == Document.Status.PENDING
    assert document.file.content_type == "application/pdf"
    assert document.uploaded_by == owner
    assert Decision.objects.filter(action="uploaded", object_id=str(document.pk)).exists()


def test_expiry_before_issue_date_is_refused_and_nothing_stored():
    owner, merchant, _category = signed_up()
    today = timezone.localdate()
    with translation.override("en"), pytest.raises(DomainError) as refused:
        upload(
            merchant,
            owner,
            issued_on=today - datetime.timedelta(days=10),
            expires_on=today - datetime.timedelta(days=20),
        )
    assert refused.value.message_dict["expires_on"] == [
        "The expiry date must be after the issue date."
    ]
    assert not Document.objects.exists()
    assert not Upload.objects.exists()


def test_expiry_error_is_translated_to_chinese():
    owner, merchant, _category = signed_up()
    today = timezone.localdate()
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        upload(merchant, owner, issued_on=today, expires_on=today - datetime.timedelta(days=1))
    assert refused.value.message_dict["expires_on"] == ["有效期截止日期必须晚于签发日期。"]


def test_already_expired_document_is_refused():
    owner, merchant, _category = signed_up()
    with pytest.raises(DomainError) as refused:
        upload(merchant, owner, expires_on=timezone.localdate())
    assert "expires_on" in refused.value.message_dict
    assert not Upload.objects.exists()


def test_document_for_a_category_not_sold_in_is_refused():
    owner, merchant, _category = signed_up()
    elsewhere = CategoryFactory()
    with translation.override("en"), pytest.raises(DomainError) as refused:
        upload(merchant, owner, "test_report", elsewhere)
    assert "You do not sell in" in refused.value.message_dict["category"][0]
    assert not Document.objects.exists() and not Upload.objects.exists()


def test_licence_with_category_and_report_without_are_refused():
    owner, merchant, category = signed_up()
    with pytest.raises(DomainError):
        upload(merchant, owner, "business_licence", category)
    with pytest.raises(DomainError):
        upload(merchant, owner, "test_report", None)
    assert not Document.objects.exists()


def test_bad_file_is_refused_and_nothing_is_stored():
    owner, merchant, _category = signed_up()
    with pytest.raises(ValidationError):
        upload(merchant, owner, file=files.upload("licence.pdf", files.ELF_HEADER))
    assert not Document.objects.exists() and not Upload.objects.exists()


def test_other_merchant_cannot_upload_for_you():
    _owner_a, merchant_a, _ = signed_up(n=1)
    owner_b, _merchant_b, _ = signed_up(n=2)
    with pytest.raises(NotAllowed):
        upload(merchant_a, owner_b)
    assert not Document.objects.exists()


def test_rejection_needs_reason_code_and_is_recorded(staff):
    owner, merchant, _category = signed_up()
    document = upload(merchant, owner)
    with pytest.raises(DomainError):
        services.review_document(document=document, actor=staff, verdict="rejected")
    with pytest.raises(DomainError):
        services.review_document(
            document=document, actor=staff, verdict="rejected", reason_code="other"
        )
    services.review_document(
        document=document, actor=staff, verdict="rejected", reason_code="name_mismatch"
    )
    document.refresh_from_db()
    assert document.status == Document.Status.REJECTED
    assert document.reason_code == "name_mismatch"
    assert document.reviewed_by == staff
    decision = Decision.objects.get(action="review", object_id=str(document.pk))
    assert decision.data == {"reason_code": "name_mismatch"}


@pytest.mark.parametrize("code", [c for c in Document.Reason.values if c != "other"])
def test_every_reason_code_is_accepted_for_rejection(staff, code):
    owner, merchant, _category = signed_up()
    document = upload(merchant, owner)
    services.review_document(document=document, actor=staff, verdict="rejected", reason_code=code)
    document.refresh_from_db()
    assert document.reason_code == code


def test_a_reviewed_document_cannot_be_reviewed_again(staff):
    owner, merchant, _category = signed_up()
    document = upload(merchant, owner)
    services.review_document(document=document, actor=staff, verdict="accepted")
    with pytest.raises(DomainError):
        services.review_document(document=document, actor=staff, verdict="accepted")


def test_accepting_a_new_document_supersedes_the_old_one(staff):
    owner, merchant, _category = signed_up()
    first = upload(merchant, owner)
    services.review_document(document=first, actor=staff, verdict="accepted")
    second = upload(merchant, owner, number="NEW")
    services.review_document(document=second, actor=staff, verdict="accepted")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Document.Status.SUPERSEDED
    assert second.status == Document.Status.ACCEPTED
    assert second.verified_at is not None


def test_merchant_cannot_review_documents():
    owner, merchant, _category = signed_up()
    document = upload(merchant, owner)
    with pytest.raises(NotAllowed):
        services.review_document(document=document, actor=owner, verdict="accepted")


def test_category_rules_add_required_types_for_the_category_and_its_children():
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)
    CategoryDocumentRule.objects.create(category=parent, document_type="trademark")
    CategoryDocumentRule.objects.create(category=child, document_type="food_licence")
    _owner, merchant, _ = signed_up(category=child)
    slots = [(t, getattr(c, "pk", None)) for t, c in services.document_slots(merchant)]
    assert slots == [
        (DocumentType.BUSINESS_LICENCE, None),
        (DocumentType.TEST_REPORT, child.pk),
        (DocumentType.TRADEMARK, child.pk),
        (DocumentType.FOOD_LICENCE, child.pk),
    ]
