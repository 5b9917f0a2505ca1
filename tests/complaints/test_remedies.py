"""Remedy windows counted from delivery (day after delivery is day 1), and the service's
refusal of a remedy that is no longer open; remedies granted as records (amount cap, proof,
final states, the platform paying first and recovering), the due-date sweep and the
quarterly figures."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from complaints import remedies
from complaints.models import Recovery, Remedy
from complaints.remedy_sweep import sweep_remedies
from complaints.services import remedies as remedy_services
from core.audit import decisions_for
from core.exceptions import DomainError
from core.models import Alert, Upload
from tests.factories.complaints import CaseFactory
from tests.factories.core import CategoryFactory
from tests.factories.products import ProductFactory
from tests.factories.remedies import IncidentFactory, RemedyFactory
from tests.factories.reviews import PurchaseFactory
from tests.files import png_bytes

# Signed for on Sunday 1 November 2026, 10:00 in Shanghai.
DELIVERED = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def on_day(n: int) -> datetime:
    """Late on the n-th local day after delivery (23:59 Shanghai)."""
    return datetime(2026, 11, 1, 15, 59, tzinfo=UTC) + timedelta(days=n)


def verdict(remedy, day, complaint_type="quality_defect", excluded=False):
    return remedies.eligibility(
        remedy,
        complaint_type=complaint_type,
        delivered_at=DELIVERED,
        now=on_day(day),
        excluded_from_no_reason_return=excluded,
    )


@pytest.mark.parametrize(
    ("remedy", "last_open_day"), [("return", 7), ("refund", 7), ("exchange", 15), ("repair", 30)]
)
def test_windows_close_after_their_last_day(remedy, last_open_day):
    assert verdict(remedy, last_open_day).eligible
    assert verdict(remedy, last_open_day, "not_as_described").reason == "within_window"
    closed = verdict(remedy, last_open_day + 1)
    assert not closed.eligible and closed.reason == "window_passed"
    assert closed.last_day == date(2026, 11, 1) + timedelta(days=last_open_day)


def test_the_repair_window_ends_on_1_december():
    assert verdict("repair", 30).last_day == date(2026, 12, 1)


def test_excluded_categories_have_no_no_reason_return_but_keep_exchange_and_repair():
    no_reason = "not_as_described"
    assert verdict("return", 1, no_reason, excluded=True).reason == "excluded_category"
    assert not verdict("refund", 1, no_reason, excluded=True).eligible
    # A quality defect still gives return and refund in an excluded category.
    assert verdict("return", 1, excluded=True).reason == "defect_window"
    assert verdict("exchange", 1, excluded=True).eligible
    assert verdict("repair", 1, excluded=True).eligible


def test_delivery_problems_give_compensation_or_reshipment_at_any_time():
    for remedy in ("compensation", "reshipment"):
        assert verdict(remedy, 90, complaint_type="delivery").eligible
        assert not verdict(remedy, 1, complaint_type="quality_defect").eligible


def test_a_refund_not_received_is_always_refundable():
    assert verdict("refund", 90, complaint_type="refund_not_received").eligible


def test_without_delivery_no_window_is_open():
    result = remedies.eligibility(
        "exchange", complaint_type="quality_defect", delivered_at=None, now=on_day(1)
    )
    assert (result.eligible, result.reason) == (False, "not_delivered")


@pytest.mark.django_db
def test_filing_with_a_remedy_no_longer_open_is_refused(merchant_a):
    perishable = ProductFactory(
        merchant=merchant_a, category=CategoryFactory(excluded_from_no_reason_return=True)
    )
    with time_machine.travel(on_day(8), tick=False), translation.override("en"):
        with pytest.raises(DomainError, match="window ended on 2026-11-08"):
            CaseFactory(merchant=merchant_a, desired_remedy="return", delivered_at=DELIVERED)
        with pytest.raises(DomainError, match="excluded"):
            CaseFactory(
                merchant=merchant_a,
                complaint_type="not_as_described",
                product=perishable,
                desired_remedy="return",
                delivered_at=DELIVERED + timedelta(days=5),  # day 3: inside the window
            )
        case = CaseFactory(merchant=merchant_a, desired_remedy="exchange", delivered_at=DELIVERED)
    assert case.desired_remedy == "exchange"


# --- remedies as records (complaints.services.remedies) -----------------------------------------


@pytest.fixture
def ordered_case(db, agent):
    """A case whose order is two units at 99.00: the order amount is 198.00."""
    purchase = PurchaseFactory(quantity=2)
    case = CaseFactory(merchant=purchase.merchant, order_number=purchase.order_number)
    return case


@pytest.fixture
def supervisor(role_user):
    return role_user("quality_manager")


def _refund(case, by, **kwargs):
    fields = {"kind": "refund", "amount": "120.00", "payer": "merchant"}
    fields.update(kwargs)
    return RemedyFactory(case=case, by=by, **fields)


def test_granting_a_refund_records_the_order_amount_and_a_decision(
    ordered_case, agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        remedy = _refund(ordered_case, agent)
    assert remedy.status == Remedy.Status.PROMISED
    assert remedy.order_amount == Decimal("198.00")
    assert remedy.merchant_id == ordered_case.merchant_id
    assert [d.action for d in decisions_for(remedy)] == ["grant"]
    assert callbacks, "the consumer notice and the merchant alert wait for the commit"


@pytest.mark.parametrize("amount", ["0", "-5"])
def test_an_amount_of_zero_or_less_is_refused_and_nothing_is_stored(ordered_case, agent, amount):
    with translation.override("en"), pytest.raises(DomainError) as refused:
        _refund(ordered_case, agent, amount=amount)
    assert refused.value.message_dict == {"amount": ["The amount must be more than zero."]}
    assert not Remedy.objects.exists()


def test_a_refund_needs_an_amount(ordered_case, agent):
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        _refund(ordered_case, agent, amount=None)
    assert "amount" in refused.value.message_dict
    assert not Remedy.objects.exists()


def test_more_than_the_order_amount_needs_a_supervisors_reason(ordered_case, agent, supervisor):
    with translation.override("en"), pytest.raises(DomainError) as refused:
        _refund(ordered_case, agent, amount="250.00")
    assert list(refused.value.message_dict) == ["above_order_reason"]
    with translation.override("en"), pytest.raises(DomainError) as refused:
        _refund(ordered_case, agent, amount="250.00", above_order_reason="Medical costs")
    assert list(refused.value.message_dict) == ["amount"]
    assert not Remedy.objects.exists()
    remedy = _refund(ordered_case, supervisor, amount="250.00", above_order_reason="Medical costs")
    assert remedy.amount == Decimal("250.00")
    assert remedy.above_order_reason == "Medical costs"


def test_the_order_amount_comes_from_the_linked_purchase(agent):
    purchase = PurchaseFactory(quantity=3)
    incident = IncidentFactory(product=purchase.product)
    with pytest.raises(DomainError):
        RemedyFactory(incident=incident, purchase=purchase, by=agent, amount="300.00")
    remedy = RemedyFactory(incident=incident, purchase=purchase, by=agent, amount="297.00")
    assert remedy.order_amount == Decimal("297.00")
    assert remedy.case_id is None


def test_marking_done_requires_proof(ordered_case, agent):
    remedy = _refund(ordered_case, agent)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        remedy_services.mark_done(remedy=remedy, by=agent)
    assert "proof_reference" in refused.value.message_dict
    remedy.refresh_from_db()
    assert remedy.status == Remedy.Status.PROMISED


def test_marking_done_with_a_proof_file_stores_it(ordered_case, agent):
    remedy = _refund(ordered_case, agent)
    proof = SimpleUploadedFile("receipt.png", png_bytes(), content_type="image/png")
    remedy = remedy_services.mark_done(remedy=remedy, by=agent, proof_file=proof)
    assert remedy.status == Remedy.Status.DONE
    assert remedy.proof.original_name == "receipt.png"
    assert [d.action for d in decisions_for(remedy)] == ["grant", "done"]


def test_a_refused_proof_file_stores_nothing(ordered_case, agent):
    remedy = _refund(ordered_case, agent)
    fake = SimpleUploadedFile("receipt.png", b"not an image", content_type="image/png")
    with pytest.raises(Exception):  # noqa: B017 - the upload check's ValidationError
        remedy_services.mark_done(remedy=remedy, by=agent, proof_file=fake)
    remedy.refresh_from_db()
    assert remedy.status == Remedy.Status.PROMISED
    assert not Upload.objects.exists()


def test_a_final_remedy_cannot_move_again(ordered_case, agent):
    remedy = _refund(ordered_case, agent)
    remedy_services.mark_failed(remedy=remedy, by=agent, reason="Bank account closed")
    with translation.override("en"), pytest.raises(DomainError) as refused:
        remedy_services.mark_done(remedy=remedy, by=agent, proof_reference="TX-1")
    assert refused.value.messages == ["This remedy is already “Failed”; it cannot change again."]
    assert refused.value.code == "invalid_transition"
    with pytest.raises(DomainError):
        remedy_services.mark_failed(remedy=remedy, by=agent, reason="again")
    remedy.refresh_from_db()
    assert remedy.status == Remedy.Status.FAILED
    assert remedy.proof_reference == ""


def test_failing_needs_a_reason(ordered_case, agent):
    remedy = _refund(ordered_case, agent)
    with pytest.raises(DomainError) as refused:
        remedy_services.mark_failed(remedy=remedy, by=agent, reason="  ")
    assert "reason" in refused.value.message_dict


def test_platform_at_fault_pays_and_opens_a_recovery(ordered_case, agent):
    with pytest.raises(DomainError) as refused:
        _refund(ordered_case, agent, payer="platform")
    assert "platform_reason" in refused.value.message_dict
    remedy = _refund(ordered_case, agent, payer="platform", platform_reason="platform_at_fault")
    assert remedy.platform_paid_first
    recovery = Recovery.objects.get(remedy=remedy)
    assert recovery.merchant_id == ordered_case.merchant_id
    assert recovery.amount == Decimal("120.00")
    assert recovery.reason == "platform_at_fault"


def test_platform_pays_first_by_hand_and_the_recovery_is_settled(ordered_case, agent, supervisor):
    remedy = _refund(ordered_case, agent)
    remedy = remedy_services.platform_pays_first(remedy=remedy, by=agent)
    assert remedy.payer == Remedy.Payer.PLATFORM
    recovery = remedy.recovery
    with pytest.raises(DomainError):
        remedy_services.settle_recovery(recovery=recovery, by=supervisor)
    recovery = remedy_services.settle_recovery(
        recovery=recovery, by=supervisor, reference="DEDUCT-2026-1"
    )
    assert recovery.status == Recovery.Status.SETTLED
    with pytest.raises(DomainError):
        remedy_services.settle_recovery(recovery=recovery, by=supervisor, reference="again")


def test_the_consumer_is_told_in_the_cases_language(
    ordered_case, agent, mailoutbox, django_capture_on_commit_callbacks
):
    ordered_case.language = "en"
    ordered_case.save(update_fields=["language"])
    mailoutbox.clear()
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        _refund(ordered_case, agent)
    bodies = [m.body for m in mailoutbox if ordered_case.consumer_email in m.to]
    assert any("Refund of 120.00 CNY is granted" in body for body in bodies), bodies


def test_the_merchant_owners_are_alerted_when_they_pay(ordered_case, agent):
    from tests.factories.merchants import MembershipFactory

    owner = MembershipFactory(merchant=ordered_case.merchant, role="owner").user
    _refund(ordered_case, agent)
    alert = Alert.objects.get(kind=remedy_services.GRANTED_TO_MERCHANT, recipient_user=owner)
    with translation.override("en"):
        assert alert.text.startswith(f"{ordered_case.reference}: Refund 120.00 CNY is due by")


# --- the due-date sweep ------------------------------------------------------------------------


def test_an_overdue_remedy_alerts_exactly_once_over_two_sweeps(ordered_case, agent):
    remedy = _refund(ordered_case, agent, kind="repair", amount=None)
    later = remedy.due_at + timedelta(minutes=1)
    assert sweep_remedies(now=remedy.due_at - timedelta(minutes=1)) == 0
    assert sweep_remedies(now=later) == 1
    assert sweep_remedies(now=later + timedelta(minutes=5)) == 0
    assert Alert.objects.filter(kind=remedy_services.OVERDUE).count() == 1
    remedy.refresh_from_db()
    assert remedy.overdue_at == later
    assert remedy.payer == Remedy.Payer.MERCHANT  # a repair moves no money
    assert not Recovery.objects.exists()


def test_an_unpaid_merchant_refund_is_paid_first_by_the_platform_with_a_recovery(
    ordered_case, agent
):
    remedy = _refund(ordered_case, agent)
    done = _refund(ordered_case, agent, amount="10.00")
    remedy_services.mark_done(remedy=done, by=agent, proof_reference="TX-9")
    sweep_remedies(now=remedy.due_at + timedelta(hours=1))
    remedy.refresh_from_db()
    assert remedy.platform_paid_first
    assert remedy.payer == Remedy.Payer.PLATFORM
    assert remedy.platform_reason == Remedy.PlatformReason.MERCHANT_DID_NOT_PAY
    recovery = Recovery.objects.get()
    assert recovery.remedy_id == remedy.pk
    assert recovery.amount == Decimal("120.00")
    assert [d.action for d in decisions_for(remedy)] == ["grant", "overdue", "platform_pays_first"]
    assert [d.action for d in decisions_for(recovery)] == ["open"]


def test_when_the_platform_pays_first_the_consumer_and_the_merchant_are_told_once(
    ordered_case, agent, mailoutbox, django_capture_on_commit_callbacks
):
    from tests.factories.merchants import MembershipFactory

    owner = MembershipFactory(merchant=ordered_case.merchant, role="owner").user
    ordered_case.language = "en"
    ordered_case.save(update_fields=["language"])
    remedy = _refund(ordered_case, agent)
    repair = _refund(ordered_case, agent, kind="repair", amount=None)  # no money: no take-over
    mailoutbox.clear()
    later = remedy.due_at + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_remedies(now=later) == 2
    told = [m.body for m in mailoutbox if ordered_case.consumer_email in m.to]
    assert len(told) == 1, told
    assert "Refund of 120.00 CNY: the merchant did not pay by the due date" in told[0]
    alert = Alert.objects.get(kind=remedy_services.PLATFORM_PAID)
    assert (alert.recipient_user, alert.object_id) == (owner, str(remedy.pk))
    with translation.override("en"):
        assert alert.text.startswith(
            f"{ordered_case.reference}: you did not pay Refund 120.00 CNY by the due date"
        )
    assert not Alert.objects.filter(object_id=str(repair.pk), kind=remedy_services.PLATFORM_PAID)

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_remedies(now=later + timedelta(days=1)) == 0
    assert mailoutbox == []
    assert Alert.objects.filter(kind=remedy_services.PLATFORM_PAID).count() == 1


def test_the_sweep_runs_a_constant_number_of_statements(ordered_case, agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _n in range(2):
        _refund(ordered_case, agent, amount="1.00")
    now = timezone.now() + timedelta(days=30)
    sweep_remedies(now=timezone.now())  # nothing due yet; warms the content-type cache
    with CaptureQueriesContext(connection) as two:
        assert sweep_remedies(now=now) == 2
    for _n in range(20):
        _refund(ordered_case, agent, amount="1.00")
    with CaptureQueriesContext(connection) as twenty:
        assert sweep_remedies(now=now + timedelta(days=30)) == 20
    with CaptureQueriesContext(connection) as none:
        assert sweep_remedies(now=now + timedelta(days=30)) == 0
    assert len(two) == len(twenty) == len(none) <= 7


# --- quarterly snapshot figures --------------------------------------------------------------


def test_quarterly_figures_count_remedies_by_kind_payer_status_and_platform_paid(
    ordered_case, agent
):
    from complaints.figures import remedy_figures

    paid = _refund(ordered_case, agent, payer="platform", platform_reason="platform_at_fault")
    remedy_services.mark_done(remedy=paid, by=agent, proof_reference="TX-1")
    _refund(ordered_case, agent, kind="compensation", amount="30.00")
    failed = _refund(ordered_case, agent, kind="reshipment", amount=None)
    remedy_services.mark_failed(remedy=failed, by=agent, reason="Out of stock")
    now = timezone.now()
    figures = remedy_figures(start=now - timedelta(days=1), end=now + timedelta(days=1), as_of=now)
    assert figures["total"] == 3
    assert figures["by_kind"]["refund"] == 1
    assert figures["by_kind"]["compensation"] == 1
    assert figures["by_kind"]["reshipment"] == 1
    assert figures["by_payer"] == {"merchant": 2, "platform": 1}
    assert figures["by_status"] == {"promised": 1, "done": 1, "failed": 1}
    assert figures["platform_paid"] == "120.00"
    assert figures["platform_paid_first"] == 1
