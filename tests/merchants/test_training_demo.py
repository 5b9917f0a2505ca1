"""Demo training data: programmes for every audience, a completed certificate, an overdue
merchant, sessions; seeding twice changes nothing."""

import pytest

from core import demo as core_demo
from merchants import demo
from merchants.demo import training as demo_training
from merchants.models import TrainingAssignment, TrainingProgramme, TrainingSession

pytestmark = pytest.mark.django_db


def test_training_demo_is_idempotent_and_covers_the_audiences():
    core_demo.seed(lambda _line: None)
    demo.seed(lambda _line: None)
    demo_training.seed(lambda _line: None)
    counts = (
        TrainingProgramme.objects.count(),
        TrainingAssignment.objects.count(),
        TrainingSession.objects.count(),
    )
    demo_training.seed(lambda _line: None)
    assert (
        TrainingProgramme.objects.count(),
        TrainingAssignment.objects.count(),
        TrainingSession.objects.count(),
    ) == counts
    audiences = set(TrainingProgramme.objects.values_list("audience", flat=True))
    assert {"all_merchants", "categories", "risk_tier", "staff"} <= audiences
    done = TrainingAssignment.objects.get(
        programme__code="quality-yearly", merchant__memberships__user__username="merchant_a"
    )
    assert done.status == "completed" and done.certificate_number
    late = TrainingAssignment.objects.get(
        programme__code="food-safety", merchant__memberships__user__username="merchant_b"
    )
    assert late.overdue_at is not None and late.restricted_at is not None
    assert TrainingAssignment.objects.filter(user__username="cs").exists()
