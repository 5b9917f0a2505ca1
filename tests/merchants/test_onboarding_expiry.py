"""The daily sweep: reminders once, restriction on expiry, lift on acceptance,
re-verification, agreement grace, probation end, and its query count."""

import datetime

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.contrib.contenttypes.models import ContentType

from core.models import Alert, Decision, Upload, User
from merchants import services
from merchants.models import Document, Membership, Merchant, Probation, Restriction
from merchants.tasks import daily_document_sweep
from tests.factories.core import CategoryFactory
from tests.factories.merchants import (
    AgreementVersionFactory,
    DocumentFactory,
    MembershipFactory,
    MerchantFactory,
    credit_code,
    sells_in,
)

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 6, 1, 1, 0, tzinfo=datetime.UTC)  # 09:00 in Shanghai
TODAY = datetime.date(2026, 6, 1)


def at(days=0):
    return time_machine.travel(NOW + datetime.timedelta(days=days), tick=False)


def sweep(days=0):
    with at(days):
        return daily_document_sweep.delay().get()


@pytest.fixture
def shop():
    with at():
        category = CategoryFactory()
        merchant = MerchantFactory(status="active")
        merchant.categories.add(category)
        owner = MembershipFactory(merchant=merchant).user
        licence = DocumentFactory(merchant=merchant, verified_at=NOW)
        report = DocumentFactory(
            merchant=merchant,
            document_type="test_report",
            category=category,
            expires_on=TODAY + datetime.timedelta(days=40),
        )
    return merchant, owner, category, licence, report


def reminder_keys(document):
    return sorted(
        Alert.objects.filter(kind="document_expiring", object_id=str(document.pk)).values_list(
            "payload__days", flat=True
        )
    )


def test_reminders_at_30_7_1_days_each_once(shop):
    _merchant, owner, _category, _licence, report = shop
    sweep(0)  # 40 days left
    assert reminder_keys(report) == []
    sweep(10)  # 30 days left
    sweep(10)  # the task runs twice that day
    assert reminder_keys(report) == [30]
    for day in range(11, 34):  # daily, up to 7 days before expiry
        sweep(day)
    assert reminder_keys(report) == [7, 30]
    sweep(39)  # 1 day left
    sweep(39)
    assert reminder_keys(report) == [1, 7, 30]
    alert = Alert.objects.get(kind="document_expiring", payload__days=1)
    assert alert.recipient_user == owner
    assert alert.url == "/merchant/documents/"


def test_missed_days_send_only_the_latest_due_reminder(shop):
    _merchant, _owner, _category, _licence, report = shop
    sweep(35)  # first run only 5 days before expiry: the 7-day reminder, not the 30-day one
    assert reminder_keys(report) == [7]


def test_expiry_restricts_the_category_until_a_new_report_is_accepted(shop, role_user):
    merchant, owner, category, _licence, _report = shop
    other = CategoryFactory()
    sells_in(merchant, other)
    with at(39):
        sweep(39)
        assert services.can_sell(merchant, category)
    sweep(40)  # expires today
    with at(40):
        assert not services.can_sell(merchant, category)
        assert services.can_sell(merchant, other)  # only the category is restricted
    restriction = Restriction.objects.get(merchant=merchant)
    assert restriction.category == category
    assert restriction.reason == Restriction.Reason.DOCUMENT_EXPIRED
    assert Decision.objects.filter(
        content_type__model="restriction", object_id=str(restriction.pk), action="restrict"
    ).exists()
    assert Alert.objects.filter(kind="document_expired", recipient_user=owner).count() == 1
    assert (
        Alert.objects.filter(
            kind="document_expired", recipient_group__name="merchant_management"
        ).count()
        == 1
    )
    sweep(41)  # running again adds nothing
    assert Restriction.objects.filter(merchant=merchant).count() == 1
    assert Alert.objects.filter(kind="document_expired").count() == 2

    staff = role_user("merchant_management")
    with at(41):
        from tests.merchants.onboarding_helpers import upload

        renewed = upload(merchant, owner, "test_report", category, number="TR-2")
        services.review_document(document=renewed, actor=staff, verdict="accepted")
        assert services.can_sell(merchant, category)
    restriction.refresh_from_db()
    assert restriction.lifted_by == staff
    sweep(42)  # the superseded report does not restrict again
    with at(42):
        assert services.can_sell(merchant, category)


def test_licence_expiry_restricts_the_whole_merchant(shop):
    merchant, _owner, category, licence, _report = shop
    licence.expires_on = TODAY + datetime.timedelta(days=3)
    licence.save()
    sweep(3)
    with at(3):
        assert not services.can_sell(merchant)
        assert not services.can_sell(merchant, category)
    assert Restriction.objects.get(merchant=merchant).category is None


def test_licence_reverification_overdue_restricts_and_reverifying_lifts(shop, role_user):
    merchant, _owner, _category, licence, _report = shop
    sweep(170)  # due in ~13 days: Merchant Management is told
    assert Alert.objects.filter(kind="licence_reverification_due").count() == 1
    assert services.can_sell(merchant)
    sweep(185)
    with at(185):
        assert not services.can_sell(merchant)
        services.reverify_licence(document=licence, actor=role_user("merchant_management"))
        assert services.can_sell(merchant)
    assert Restriction.objects.get(reason="reverification_due").lifted_at is not None


def test_agreement_not_accepted_after_grace_restricts_until_accepted(shop, role_user):
    merchant, owner, _category, _licence, _report = shop
    staff = role_user("merchant_management")
    with at():
        version = AgreementVersionFactory(published_at=None)
        services.publish_agreement(version=version, actor=staff, grace_days=14)
    assert Alert.objects.filter(kind="agreement_acceptance_due", recipient_user=owner).exists()
    sweep(13)
    assert services.can_sell(merchant)
    sweep(14)
    with at(14):
        assert not services.can_sell(merchant)
        services.accept_agreement(merchant=merchant, actor=owner, version=version)
        assert services.can_sell(merchant)


def test_probation_review_due_alert_at_the_end_once(role_user):
    with at():
        merchant = MerchantFactory(status="onboarding")
        services.start_probation(merchant=merchant, actor=role_user("merchant_management"))
    sweep(89)
    assert not Alert.objects.filter(kind="probation_review_due").exists()
    sweep(90)
    sweep(91)
    alert = Alert.objects.get(kind="probation_review_due")
    assert alert.recipient_group.name == "merchant_management"
    assert alert.object_id == str(Probation.objects.get().pk)


def test_onboarding_merchants_are_not_restricted():
    with at():
        merchant = MerchantFactory(status="onboarding")
        DocumentFactory(merchant=merchant, expires_on=TODAY + datetime.timedelta(days=1))
    sweep(2)
    assert not Restriction.objects.exists()


def _many_merchants(count):
    """`count` live merchants with an owner, a licence and a test report, in bulk."""
    upload = Upload.objects.create(
        original_name="x.pdf", content_type="application/pdf", size=1, sha256="0" * 64
    )
    category = CategoryFactory()
    merchants = Merchant.objects.bulk_create(
        [
            Merchant(
                legal_name=f"Bulk {i}",
                credit_code=credit_code(500_000 + i),
                contact_name="x",
                contact_email=f"bulk{i}@example.test",
                status="active",
            )
            for i in range(count)
        ]
    )
    owners = User.objects.bulk_create([User(username=f"bulk-owner-{i}") for i in range(count)])
    Membership.objects.bulk_create(
        [
            Membership(user=u, merchant=m, role="owner")
            for u, m in zip(owners, merchants, strict=True)
        ]
    )
    documents = []
    for i, merchant in enumerate(merchants):
        expires = TODAY + datetime.timedelta(days=(i % 40) - 5)
        documents.append(
            Document(
                merchant=merchant,
                document_type="business_licence",
                number=f"L{i}",
                issuer="AMR",
                issued_on=datetime.date(2020, 1, 1),
                expires_on=expires,
                file=upload,
                status="accepted",
                verified_at=NOW - datetime.timedelta(days=i % 200),
            )
        )
        documents.append(
            Document(
                merchant=merchant,
                document_type="test_report",
                category=category,
                number=f"T{i}",
                issuer="CQC",
                issued_on=datetime.date(2020, 1, 1),
                expires_on=expires + datetime.timedelta(days=3),
                file=upload,
                status="accepted",
            )
        )
    Document.objects.bulk_create(documents)


def test_sweep_query_count_is_constant_with_1000_merchants(django_assert_num_queries):
    with at():
        AgreementVersionFactory(
            published_at=NOW - datetime.timedelta(days=60), accept_by=NOW - datetime.timedelta(1)
        )
        _many_merchants(1000)
        for model in (Document, Restriction, Probation):
            ContentType.objects.get_for_model(model)
        with django_assert_num_queries(11):
            result = services.run_daily_sweep()
    assert result.restricted == 1000  # every merchant: the agreement grace period is over
    # licences expire for i % 40 <= 5 (150), test reports three days later (75)
    assert Restriction.objects.filter(reason="document_expired").count() == 225
    overdue = sum(
        1
        for i in range(1000)
        if NOW - datetime.timedelta(days=i % 200) + relativedelta(months=6) <= NOW
    )
    assert Restriction.objects.filter(reason="reverification_due").count() == overdue > 0
    assert Alert.objects.filter(kind="document_expiring").count() > 100


def test_sweep_restrictions_have_one_history_row_each_and_lifting_adds_one(role_user):
    """Restriction history is written by statement-level triggers (the sweep opens them by
    the ten thousand in one INSERT ... SELECT): still exactly one `insert` event per
    restriction with the row as inserted, none for the rows the sweep skips, and one
    `update` event when a restriction is lifted."""
    Event = Restriction.pgh_event_model
    fields = [f.attname for f in Restriction._meta.concrete_fields]
    with at():
        AgreementVersionFactory(
            published_at=NOW - datetime.timedelta(days=60), accept_by=NOW - datetime.timedelta(1)
        )
        _many_merchants(12)
        services.run_daily_sweep()
        restrictions = list(Restriction.objects.order_by("pk"))
        assert len(restrictions) > 12  # the agreement for all, expired documents for some
        events = list(Event.objects.order_by("pgh_id"))
        assert [e.pgh_obj_id for e in events] == [r.pk for r in restrictions]
        for event, restriction in zip(events, restrictions, strict=True):
            assert event.pgh_label == "insert"
            assert {f: getattr(event, f) for f in fields} == {
                f: getattr(restriction, f) for f in fields
            }
        services.run_daily_sweep()  # nothing new: no restriction, no event
        assert Event.objects.count() == len(events)

        one = restrictions[0]
        staff = role_user("merchant_management")
        services.lift(merchant=one.merchant, reason=one.reason, source=one.source, by=staff)
    one.refresh_from_db()
    lifted = list(Event.objects.filter(pgh_obj_id=one.pk).order_by("pgh_id"))
    assert [e.pgh_label for e in lifted] == ["insert", "update"]
    assert {f: getattr(lifted[1], f) for f in fields} == {f: getattr(one, f) for f in fields}
    assert Event.objects.count() == len(events) + 1


@pytest.mark.external
@pytest.mark.django_db(transaction=True)
def test_overlapping_runs_send_each_reminder_once():
    import threading

    from django.db import connection

    with at():
        category = CategoryFactory()
        merchant = MerchantFactory(status="active")
        merchant.categories.add(category)
        MembershipFactory(merchant=merchant)
        DocumentFactory(merchant=merchant, expires_on=TODAY + datetime.timedelta(days=7))
        DocumentFactory(
            merchant=merchant, document_type="test_report", category=category, expires_on=TODAY
        )
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            services.run_daily_sweep(now=NOW)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Alert.objects.filter(kind="document_expiring").count() == 1
    assert Alert.objects.filter(kind="document_expired").count() == 2  # owner + staff group
    assert Restriction.objects.filter(merchant=merchant).count() == 1
