"""The requirements checklist at its boundaries."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from merchants import services
from merchants.models import AgreementAcceptance
from tests.factories.core import CategoryFactory
from tests.factories.merchants import (
    AgreementVersionFactory,
    DocumentFactory,
    MembershipFactory,
    MerchantFactory,
)

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 6, 1, 4, 0, tzinfo=datetime.UTC)  # 12:00 in Shanghai
TODAY = datetime.date(2026, 6, 1)


@pytest.fixture
def live_merchant():
    with time_machine.travel(NOW, tick=False):
        category = CategoryFactory()
        merchant = MerchantFactory(status="active")
        merchant.categories.add(category)
        MembershipFactory(merchant=merchant)
        DocumentFactory(merchant=merchant, verified_at=NOW)
        return merchant, category


def states(merchant):
    with time_machine.travel(NOW, tick=False):
        result = services.requirements_for(merchant)
    return {r.code: (r.state, r.deadline) for r in result.all}


@pytest.mark.parametrize(
    ("days", "state"),
    [
        (-1, "past_due"),
        (0, "past_due"),  # expires today: no longer valid today
        (1, "currently_due"),
        (30, "currently_due"),
        (31, "eventually_due"),
    ],
)
def test_test_report_state_by_days_to_expiry(live_merchant, days, state):
    merchant, category = live_merchant
    expires = TODAY + datetime.timedelta(days=days)
    DocumentFactory(
        merchant=merchant, document_type="test_report", category=category, expires_on=expires
    )
    assert states(merchant)[f"document:test_report:{category.pk}"] == (state, expires)


def test_missing_document_is_past_due_for_live_and_currently_due_for_onboarding(live_merchant):
    merchant, category = live_merchant
    assert states(merchant)[f"document:test_report:{category.pk}"] == ("past_due", None)
    merchant.status = "onboarding"
    merchant.save()
    assert states(merchant)[f"document:test_report:{category.pk}"] == ("currently_due", None)


def test_pending_renewal_is_pending_verification(live_merchant):
    merchant, category = live_merchant
    expires = TODAY + datetime.timedelta(days=5)
    DocumentFactory(
        merchant=merchant, document_type="test_report", category=category, expires_on=expires
    )
    DocumentFactory(
        merchant=merchant, document_type="test_report", category=category, status="pending"
    )
    assert states(merchant)[f"document:test_report:{category.pk}"] == (
        "pending_verification",
        expires,
    )


def test_licence_reverification_due_six_months_after_verification(live_merchant):
    merchant, _ = live_merchant
    licence = merchant.documents.get(document_type="business_licence")
    for verified, state in [
        (NOW - datetime.timedelta(days=100), "eventually_due"),
        (NOW - datetime.timedelta(days=170), "currently_due"),
        (NOW - datetime.timedelta(days=190), "past_due"),
    ]:
        licence.verified_at = verified
        licence.save()
        assert states(merchant)["reverification:business_licence"][0] == state


def test_new_agreement_due_within_grace_then_past_due(live_merchant):
    merchant, _ = live_merchant
    old = AgreementVersionFactory(published_at=NOW - datetime.timedelta(days=400))
    AgreementAcceptance.objects.create(
        merchant=merchant, version=old, user=merchant.memberships.get().user, accepted_at=NOW
    )
    assert not any(code.startswith("agreement") for code in states(merchant))
    new = AgreementVersionFactory(
        published_at=NOW - datetime.timedelta(days=1), accept_by=NOW + datetime.timedelta(days=29)
    )
    assert states(merchant)[f"agreement:{new.version}"] == ("currently_due", new.accept_by)
    new.accept_by = NOW - datetime.timedelta(minutes=1)
    new.save()
    assert states(merchant)[f"agreement:{new.version}"][0] == "past_due"


def test_as_dict_has_the_stripe_like_groups(live_merchant):
    merchant, _ = live_merchant
    with time_machine.travel(NOW, tick=False):
        data = services.requirements_for(merchant).as_dict()
    assert set(data) == {"currently_due", "past_due", "eventually_due", "pending_verification"}
    assert timezone.is_aware(NOW)
