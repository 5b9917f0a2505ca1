"""Appeals: window, once per target, reviewer separation, upheld undoes exactly."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.audit import decisions_for
from core.exceptions import DomainError, InvalidTransition, NotAllowed
from core.models import Alert, Upload
from merchants import services
from merchants.models import Appeal, MerchantStanding, Restriction, Sanction, ViolationEntry
from tests import files
from tests.factories.products import ProductFactory
from tests.factories.standing import EvidenceFactory, rules_catalogue  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(role_user):
    return role_user("merchant_management")


@pytest.fixture
def colleague(role_user):
    return role_user("merchant_management")


def add(merchant, code, by=None):
    return services.record_violation(
        merchant=merchant, rule_code=code, evidence=EvidenceFactory(), recorded_by=by
    )


def uphold(appeal, reviewer, reason="The evidence was for another shop."):
    services.start_appeal_review(appeal=appeal, by=reviewer)
    return services.decide_appeal(appeal=appeal, by=reviewer, upheld=True, reason=reason)


def test_upheld_appeal_revokes_the_step_it_caused_and_keeps_the_lower_one(
    merchant_a, owner_a, manager, colleague
):
    base = add(merchant_a, "inspection_lot_rejected")  # 6
    add(merchant_a, "inspection_lot_rejected")  # 12 -> warning + 7 days
    disputed = add(merchant_a, "inspection_lot_rejected", by=manager)  # 18
    add(merchant_a, "inspection_lot_rejected")  # 24 -> 14 days
    step24 = Sanction.objects.get(step_points=24)
    step12 = Sanction.objects.get(step_points=12, kind="sales_restriction")
    warning = Sanction.objects.get(kind="warning")
    assert services.current_points(merchant_a) == 24

    appeal = services.submit_appeal(by=owner_a, statement="Not our lot.", entry=disputed)
    assert Alert.objects.filter(
        kind="appeal_submitted", recipient_group__name="merchant_management"
    )
    uphold(appeal, colleague)

    disputed.refresh_from_db()
    assert disputed.status == "withdrawn"
    # The system's sentence is a code with the reviewer's words, rendered when read.
    assert disputed.withdrawal_code == "appeal_upheld"
    assert disputed.withdrawal_params == {"reason": "The evidence was for another shop."}
    assert "The evidence was for another shop." in disputed.withdrawal_text
    assert services.current_points(merchant_a) == 18
    step24.refresh_from_db()
    assert step24.status == "revoked" and step24.restriction.lifted_at is not None
    # The 12 step was applied on the way up and its own entries still justify it: it
    # stands, and is not imposed a second time.
    assert not Sanction.objects.filter(replaces=step24).exists()
    step12.refresh_from_db()
    warning.refresh_from_db()
    assert step12.status == "active" and warning.status == "ended"
    assert step12.restriction.lifted_at is None and not services.can_sell(merchant_a)
    assert Sanction.objects.count() == 3
    base.refresh_from_db()
    assert base.status == "active"
    assert MerchantStanding.objects.get(merchant=merchant_a).ladder_step == 12
    appeal.refresh_from_db()
    assert appeal.status == "upheld" and appeal.decided_at is not None
    assert [d.to_state for d in decisions_for(appeal)] == ["submitted", "under_review", "upheld"]
    assert Alert.objects.filter(kind="appeal_decided", recipient_user=owner_a).exists()
    assert Alert.objects.filter(kind="sanction_revoked", recipient_user=owner_a).exists()


def test_upheld_appeal_shortens_a_jumped_step_to_the_one_still_reached(
    merchant_a, owner_a, colleague
):
    add(merchant_a, "inspection_lot_rejected")  # 6
    disputed = add(merchant_a, "counterfeit")  # 30: jumps to the 24 step
    add(merchant_a, "inspection_lot_rejected")  # 36 -> 21-day suspension
    step24 = Sanction.objects.get(step_points=24)
    suspension = Sanction.objects.get(step_points=36)
    appeal = services.submit_appeal(by=owner_a, statement="Genuine.", entry=disputed)
    uphold(appeal, colleague, reason="Brand owner confirmed the goods are genuine.")

    assert services.current_points(merchant_a) == 12
    step24.refresh_from_db()
    suspension.refresh_from_db()
    assert step24.status == "revoked" and not hasattr(step24, "replaced_by")
    assert suspension.status == "revoked"
    # The suspension's remaining entries (12 points) reach the 12 step: shortened to a
    # 7-day restriction (with its warning) counted from the suspension's start.
    shortened = suspension.replaced_by
    assert (shortened.kind, shortened.step_points) == ("sales_restriction", 12)
    assert shortened.starts_at == suspension.starts_at
    assert shortened.ends_at == suspension.starts_at + timedelta(days=7)
    assert shortened.restriction.kind == Restriction.Kind.SALES_RESTRICTION
    assert Sanction.objects.filter(kind="warning", step_points=12, status="ended").count() == 1
    open_kinds = set(
        Restriction.objects.filter(lifted_at__isnull=True).values_list("kind", flat=True)
    )
    assert open_kinds == {Restriction.Kind.SALES_RESTRICTION}
    assert MerchantStanding.objects.get(merchant=merchant_a).ladder_step == 12


def test_upheld_appeal_below_the_first_step_revokes_everything_it_caused(
    merchant_a, owner_a, colleague
):
    add(merchant_a, "inspection_lot_rejected")
    disputed = add(merchant_a, "inspection_lot_rejected")  # 12
    assert not services.can_sell(merchant_a)
    appeal = services.submit_appeal(by=owner_a, statement="Re-test passed.", entry=disputed)
    uphold(appeal, colleague)
    assert set(Sanction.objects.values_list("status", flat=True)) == {"revoked"}
    assert services.can_sell(merchant_a)
    assert not Restriction.objects.filter(lifted_at__isnull=True).exists()
    assert MerchantStanding.objects.get(merchant=merchant_a).ladder_step == 0
    # A later crossing applies the step again.
    add(merchant_a, "inspection_lot_rejected")
    assert Sanction.objects.filter(status="active", step_points=12).count() == 1


def test_rejected_appeal_changes_nothing_but_its_own_status(merchant_a, owner_a, colleague):
    entry = add(merchant_a, "counterfeit")
    appeal = services.submit_appeal(by=owner_a, statement="Genuine goods.", entry=entry)
    services.start_appeal_review(appeal=appeal, by=colleague)
    services.decide_appeal(appeal=appeal, by=colleague, upheld=False, reason="Lab confirmed.")
    entry.refresh_from_db()
    assert entry.status == "active" and services.current_points(merchant_a) == 24
    assert Sanction.objects.get(kind="sales_restriction").status == "active"


def test_upheld_sanction_appeal_lifts_that_sanction_and_keeps_the_points(
    merchant_a, owner_a, colleague
):
    add(merchant_a, "counterfeit")
    sanction = Sanction.objects.get(kind="sales_restriction")
    appeal = services.submit_appeal(by=owner_a, statement="Too harsh.", sanction=sanction)
    uphold(appeal, colleague, reason="First offence; restriction lifted.")
    sanction.refresh_from_db()
    assert sanction.status == "revoked" and services.can_sell(merchant_a)
    assert services.current_points(merchant_a) == 24
    add(merchant_a, "sla_breach_merchant")  # still at the 24 step: nothing new
    assert Sanction.objects.count() == 2  # the 12 step's warning and the 24 step's restriction


def test_reviewer_who_recorded_the_entry_cannot_review_it(merchant_a, owner_a, manager):
    entry = add(merchant_a, "inspection_lot_rejected", by=manager)
    appeal = services.submit_appeal(by=owner_a, statement="No.", entry=entry)
    with pytest.raises(NotAllowed):
        services.start_appeal_review(appeal=appeal, by=manager)
    appeal.refresh_from_db()
    assert appeal.status == "submitted" and appeal.reviewer is None


def test_reviewer_who_imposed_a_manual_sanction_cannot_review_it(
    merchant_a, owner_a, manager, colleague
):
    sanction = services.impose_sanction(
        merchant=merchant_a,
        kind="suspension",
        rule_code="counterfeit",
        evidence=EvidenceFactory(),
        by=manager,
        reason="Counterfeit phones found.",
        days=10,
    )
    appeal = services.submit_appeal(by=owner_a, statement="No.", sanction=sanction)
    with pytest.raises(NotAllowed):
        services.start_appeal_review(appeal=appeal, by=manager)
    services.start_appeal_review(appeal=appeal, by=colleague)
    with pytest.raises(NotAllowed):  # nor decide it after a colleague took it
        services.decide_appeal(appeal=appeal, by=manager, upheld=True, reason="x")


def test_only_merchant_management_reviews(merchant_a, owner_a, role_user, owner_b):
    entry = add(merchant_a, "sla_breach_merchant")
    appeal = services.submit_appeal(by=owner_a, statement="No.", entry=entry)
    for outsider in (role_user("consumer_service"), owner_b, owner_a):
        with pytest.raises(NotAllowed):
            services.start_appeal_review(appeal=appeal, by=outsider)


def test_appeal_after_the_window_is_refused(merchant_a, owner_a):
    entry = add(merchant_a, "sla_breach_merchant")
    with (
        time_machine.travel(timezone.now() + timedelta(days=16)),
        pytest.raises(DomainError) as error,
    ):
        services.submit_appeal(by=owner_a, statement="Late.", entry=entry)
    assert error.value.code == "appeal_window"
    assert not Appeal.objects.exists()


def test_appealing_the_same_entry_twice_is_refused(merchant_a, owner_a, colleague):
    entry = add(merchant_a, "sla_breach_merchant")
    appeal = services.submit_appeal(by=owner_a, statement="One.", entry=entry)
    services.start_appeal_review(appeal=appeal, by=colleague)
    services.decide_appeal(appeal=appeal, by=colleague, upheld=False, reason="Confirmed.")
    with pytest.raises(DomainError):
        services.submit_appeal(by=owner_a, statement="Two.", entry=entry)
    assert Appeal.objects.count() == 1


def test_appeal_on_another_merchants_entry_is_refused(merchant_a, owner_b):
    entry = add(merchant_a, "sla_breach_merchant")
    with pytest.raises(NotAllowed):
        services.submit_appeal(by=owner_b, statement="Hi.", entry=entry)


def test_appeal_needs_a_statement_and_one_target(merchant_a, owner_a):
    entry = add(merchant_a, "sla_breach_merchant")
    with pytest.raises(DomainError):
        services.submit_appeal(by=owner_a, statement="  ", entry=entry)
    with pytest.raises(DomainError):
        services.submit_appeal(by=owner_a, statement="x")
    assert not Appeal.objects.exists()


def test_a_bad_file_stores_nothing(merchant_a, owner_a):
    entry = add(merchant_a, "sla_breach_merchant")
    uploads_before = Upload.objects.count()
    with pytest.raises(DomainError.__mro__[1]):  # django ValidationError
        services.submit_appeal(
            by=owner_a,
            statement="See files.",
            entry=entry,
            files=[files.pdf(), files.upload("x.pdf", files.ELF_HEADER)],
        )
    assert not Appeal.objects.exists() and Upload.objects.count() == uploads_before


def test_decision_needs_a_written_reason_and_the_right_state(merchant_a, owner_a, colleague):
    entry = add(merchant_a, "sla_breach_merchant")
    appeal = services.submit_appeal(
        by=owner_a, statement="x", entry=entry, files=[files.pdf(), files.png()]
    )
    assert appeal.files.count() == 2
    with pytest.raises(InvalidTransition):  # not under review yet
        services.decide_appeal(appeal=appeal, by=colleague, upheld=True, reason="ok")
    services.start_appeal_review(appeal=appeal, by=colleague)
    with pytest.raises(DomainError):
        services.decide_appeal(appeal=appeal, by=colleague, upheld=True, reason=" ")
    entry.refresh_from_db()
    assert entry.status == "active"


def test_decision_deadline_alerts_are_raised_once(merchant_a, owner_a):
    entry = add(merchant_a, "sla_breach_merchant")
    appeal = services.submit_appeal(by=owner_a, statement="x", entry=entry)
    assert appeal.decision_due_at - appeal.submitted_at == timedelta(days=7)
    assert services.raise_appeal_deadline_alerts() == 0
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=1)):
        assert services.raise_appeal_deadline_alerts() == 1
        assert services.raise_appeal_deadline_alerts() == 0
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert services.raise_appeal_deadline_alerts() == 1
    assert set(
        Alert.objects.filter(recipient_group__name="merchant_management").values_list(
            "kind", flat=True
        )
    ) >= {"appeal_due_soon", "appeal_overdue"}


def test_withdraw_violation_is_what_other_apps_call_when_a_verdict_is_overturned(
    merchant_a, manager
):
    evidence = EvidenceFactory()
    services.record_violation(merchant=merchant_a, rule_code="counterfeit", evidence=evidence)
    assert not services.can_sell(merchant_a)
    entry = services.withdraw_violation(
        evidence=evidence, rule_code="counterfeit", by=manager, reason="Re-test passed."
    )
    assert entry.status == ViolationEntry.Status.WITHDRAWN
    assert services.current_points(merchant_a) == 0 and services.can_sell(merchant_a)
    # Twice is harmless; an unknown pair or no reason is refused.
    services.withdraw_violation(
        evidence=evidence, rule_code="counterfeit", by=manager, reason="Again."
    )
    with pytest.raises(DomainError):
        services.withdraw_violation(
            evidence=evidence, rule_code="sla_breach_merchant", by=manager, reason="x"
        )
    other = EvidenceFactory()
    services.record_violation(merchant=merchant_a, rule_code="counterfeit", evidence=other)
    with pytest.raises(DomainError):
        services.withdraw_violation(evidence=other, rule_code="counterfeit", by=manager, reason="")


def test_manual_sanction_needs_role_rule_evidence_and_valid_days(merchant_a, manager, role_user):
    evidence = EvidenceFactory()
    common = {"merchant": merchant_a, "rule_code": "counterfeit", "reason": "Found fakes."}
    with pytest.raises(NotAllowed):
        services.impose_sanction(
            kind="warning", evidence=evidence, by=role_user("data_analysis"), **common
        )
    with pytest.raises(DomainError):
        services.impose_sanction(kind="warning", evidence=None, by=manager, **common)
    for days in (None, 0, -5):
        with pytest.raises(DomainError):
            services.impose_sanction(
                kind="sales_restriction", evidence=evidence, by=manager, days=days, **common
            )
    with pytest.raises(DomainError):
        services.impose_sanction(
            kind="suspension",
            evidence=evidence,
            by=manager,
            days=3,
            **{**common, "rule_code": "no_such_rule"},
        )
    assert not Sanction.objects.exists() and services.can_sell(merchant_a)
    delisting = services.impose_sanction(
        kind="product_delisting",
        evidence=evidence,
        by=manager,
        product=ProductFactory(merchant=merchant_a),
        **common,
    )
    assert delisting.restriction is None and services.can_sell(merchant_a)
    restriction = services.impose_sanction(
        kind="sales_restriction", evidence=evidence, by=manager, days=5, **common
    )
    assert restriction.rule.code == "counterfeit" and not services.can_sell(merchant_a)
    assert restriction.restriction.created_by == manager
