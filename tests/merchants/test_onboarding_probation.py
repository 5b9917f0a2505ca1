"""Agreement acceptance and re-acceptance; training; probation decisions."""

import datetime

import pytest
from django.utils import timezone, translation

from core.exceptions import DomainError, NotAllowed
from core.models import Alert, Decision
from merchants import services
from merchants.models import AgreementAcceptance, Merchant, Probation, Restriction
from tests.factories.merchants import (
    AgreementVersionFactory,
    MembershipFactory,
    MerchantFactory,
    TrainingSessionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(role_user):
    return role_user("merchant_management")


def test_acceptance_records_user_time_ip_and_version(merchant_a, owner_a):
    version = AgreementVersionFactory()
    acceptance = services.accept_agreement(
        merchant=merchant_a, actor=owner_a, version=version, ip_address="198.51.100.4"
    )
    assert acceptance.user == owner_a
    assert acceptance.version == version
    assert acceptance.ip_address == "198.51.100.4"
    assert abs(acceptance.accepted_at - timezone.now()) < datetime.timedelta(seconds=5)


def test_second_acceptance_of_the_same_version_is_refused(merchant_a, owner_a):
    version = AgreementVersionFactory()
    services.accept_agreement(merchant=merchant_a, actor=owner_a, version=version)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.accept_agreement(merchant=merchant_a, actor=owner_a, version=version)
    assert refused.value.messages == ["Your merchant has already accepted this version."]
    assert AgreementAcceptance.objects.count() == 1


def test_only_the_current_version_can_be_accepted(merchant_a, owner_a):
    old = AgreementVersionFactory()
    AgreementVersionFactory()
    with pytest.raises(DomainError):
        services.accept_agreement(merchant=merchant_a, actor=owner_a, version=old)
    assert not AgreementAcceptance.objects.exists()


def test_publishing_a_new_version_asks_live_merchants_to_accept_again(staff, merchant_a, owner_a):
    first = AgreementVersionFactory()
    services.accept_agreement(merchant=merchant_a, actor=owner_a, version=first)
    second = AgreementVersionFactory(published_at=None)
    services.publish_agreement(version=second, actor=staff, grace_days=10)
    second.refresh_from_db()
    assert (second.accept_by - second.published_at).days == 10
    alert = Alert.objects.get(kind="agreement_acceptance_due")
    assert alert.recipient_user == owner_a
    codes = [r.code for r in services.requirements_for(merchant_a).currently_due]
    assert f"agreement:{second.version}" in codes
    with pytest.raises(DomainError):
        services.publish_agreement(version=second, actor=staff)


def test_staff_cannot_accept_for_a_merchant(staff, merchant_a):
    with pytest.raises(NotAllowed):
        services.accept_agreement(
            merchant=merchant_a, actor=staff, version=AgreementVersionFactory()
        )


def test_training_registration_and_completion(staff, merchant_a, owner_a):
    session = TrainingSessionFactory()
    services.register_for_training(session=session, merchant=merchant_a, actor=owner_a)
    with pytest.raises(DomainError):
        services.register_for_training(session=session, merchant=merchant_a, actor=owner_a)
    assert not services.training_completed(merchant_a)
    with pytest.raises(NotAllowed):
        services.record_training_completed(session=session, merchant=merchant_a, actor=owner_a)
    services.record_training_completed(session=session, merchant=merchant_a, actor=staff)
    assert services.training_completed(merchant_a)


@pytest.fixture
def on_probation(staff):
    merchant = MerchantFactory(status="onboarding")
    MembershipFactory(merchant=merchant)
    probation = services.start_probation(merchant=merchant, actor=staff)
    return merchant, probation


def test_probation_uses_the_policy_days(staff):
    from core import policies

    policies.publish("merchants.onboarding", value={"probation_days": 60}, note="shorter")
    merchant = MerchantFactory(status="onboarding")
    probation = services.start_probation(merchant=merchant, actor=staff)
    assert (probation.ends_at - probation.starts_at).days == 60
    assert probation.policy_version.value["probation_days"] == 60


def test_pass_makes_the_merchant_active_with_reason(staff, on_probation):
    merchant, probation = on_probation
    services.decide_probation(probation=probation, outcome="pass", reason="Clean", actor=staff)
    merchant.refresh_from_db()
    probation.refresh_from_db()
    assert merchant.status == Merchant.Status.ACTIVE
    assert probation.status == Probation.Status.PASSED
    decision = Decision.objects.get(action="pass")
    assert decision.reason == "Clean" and decision.actor == staff
    with pytest.raises(DomainError):
        services.decide_probation(probation=probation, outcome="pass", reason="x", actor=staff)


def test_extend_moves_the_end_and_keeps_probation(staff, on_probation):
    merchant, probation = on_probation
    before = probation.ends_at
    services.decide_probation(
        probation=probation,
        outcome="extend",
        reason="One complaint open",
        actor=staff,
        extend_days=15,
    )
    probation.refresh_from_db()
    merchant.refresh_from_db()
    assert probation.ends_at == before + datetime.timedelta(days=15)
    assert probation.extensions == 1
    assert merchant.probation_ends_at == probation.ends_at
    assert merchant.status == Merchant.Status.PROBATION


def test_terminate_ends_selling(staff, on_probation):
    merchant, probation = on_probation
    assert services.can_sell(merchant)
    services.decide_probation(
        probation=probation, outcome="terminate", reason="Counterfeits", actor=staff
    )
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.TERMINATED
    assert not services.can_sell(merchant)
    assert Restriction.objects.get(merchant=merchant).kind == Restriction.Kind.TERMINATION


def test_automatic_review_can_decide_with_evidence(on_probation):
    _merchant, probation = on_probation
    services.decide_probation(
        probation=probation,
        outcome="pass",
        reason="Automatic review",
        evidence={"serious_violations": 0, "passed_inspections": 1},
    )
    decision = Decision.objects.get(action="pass")
    assert decision.actor is None and decision.actor_label == "system"
    assert decision.data["evidence"]["passed_inspections"] == 1


def test_decisions_need_reason_and_staff(on_probation):
    merchant, probation = on_probation
    owner = merchant.memberships.get().user
    with pytest.raises(DomainError):
        services.decide_probation(probation=probation, outcome="pass", reason=" ")
    with pytest.raises(NotAllowed):
        services.decide_probation(probation=probation, outcome="pass", reason="x", actor=owner)
    with pytest.raises(DomainError):
        services.decide_probation(probation=probation, outcome="maybe", reason="x")
