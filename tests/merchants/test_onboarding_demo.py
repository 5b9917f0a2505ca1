"""Demo data: merchants in every state, documents near expiry and expired; idempotent."""

import pytest
from django.utils import timezone

from core import demo as core_demo
from merchants import demo
from merchants.models import Application, Document, Merchant

pytestmark = pytest.mark.django_db


def test_seed_covers_every_state_and_is_idempotent():
    core_demo.seed(lambda _line: None)
    demo.seed(lambda _line: None)
    counts = (Merchant.objects.count(), Document.objects.count(), Application.objects.count())
    demo.seed(lambda _line: None)
    assert (
        Merchant.objects.count(),
        Document.objects.count(),
        Application.objects.count(),
    ) == counts
    assert set(Merchant.objects.values_list("status", flat=True)) == set(Merchant.Status.values)
    assert set(Application.objects.values_list("status", flat=True)) == set(
        Application.Status.values
    )
    today = timezone.localdate()
    accepted = Document.objects.filter(status="accepted")
    assert accepted.filter(expires_on__lte=today).exists()  # expired
    assert accepted.filter(
        expires_on__gt=today, expires_on__lte=today + timezone.timedelta(days=7)
    ).exists()
