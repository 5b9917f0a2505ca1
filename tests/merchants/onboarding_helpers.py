"""Shared set-up for the onboarding tests."""

import datetime

from django.utils import timezone

from merchants import services
from merchants.models import AgreementVersion, Document
from tests import files
from tests.factories.core import CategoryFactory, UserFactory
from tests.factories.merchants import AgreementVersionFactory, TrainingSessionFactory

VALID_CODE = "91350100M000100Y43"


def valid_code(n: int = 0) -> str:
    from tests.factories.merchants import credit_code

    return credit_code(900_000 + n)


def signed_up(*, n: int = 0, category=None):
    """A fresh applicant: user, merchant in onboarding, draft application, one category."""
    owner = UserFactory()
    category = category or CategoryFactory()
    merchant = services.register_merchant(
        user=owner,
        legal_name=f"Applicant {n} Co., Ltd.",
        credit_code=valid_code(n),
        contact_name="Li Na",
        contact_email=f"applicant{n}@example.test",
        categories=[category],
    )
    return owner, merchant, category


def upload(merchant, owner, document_type="business_licence", category=None, **kwargs):
    today = timezone.localdate()
    values = {
        "number": "91350100M000100Y43",
        "issuer": "Fuzhou AMR",
        "issued_on": today - datetime.timedelta(days=100),
        "expires_on": today + datetime.timedelta(days=365),
        "file": files.pdf(),
    }
    values.update(kwargs)
    return services.upload_document(
        merchant=merchant, actor=owner, document_type=document_type, category=category, **values
    )


def agreement() -> AgreementVersion:
    return AgreementVersion.objects.order_by("-version").first() or AgreementVersionFactory()


def complete_application(owner, merchant, category):
    """Upload everything and accept the agreement: ready to submit."""
    licence = upload(merchant, owner)
    report = upload(merchant, owner, "test_report", category, number="TR-1", issuer="CQC")
    services.accept_agreement(
        merchant=merchant, actor=owner, version=agreement(), ip_address="203.0.113.9"
    )
    return licence, report


def make_ready_to_approve(owner, merchant, category, staff):
    """Submitted, reviewed, documents accepted, training done."""
    licence, report = complete_application(owner, merchant, category)
    application = services.open_application(merchant)
    services.submit_application(application=application, actor=owner)
    services.start_review(application=application, actor=staff)
    for document in (licence, report):
        services.review_document(document=document, actor=staff, verdict=Document.Status.ACCEPTED)
    session = TrainingSessionFactory()
    services.record_training_completed(session=session, merchant=merchant, actor=staff)
    application.refresh_from_db()
    return application
