"""The Django admin names codes by their labels (issue 19, "no raw codes reach a person"):
rules by title and version, alert kinds and decision actions by their words, a restriction's
detail as a sentence, a standard version with a version label, a signal's evidence by its
labels, a sampling plan as a labelled table and rating figures with 2 decimals."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone, translation

from core import decision_labels
from core.models import Alert, Decision
from merchants import services
from merchants.models import Restriction, ViolationRule
from reviews.models import IntegritySignal, ProductRatingFigure
from tests.factories.core import UserFactory
from tests.factories.products import ProductFactory, StandardVersionFactory
from tests.factories.reports import rating_figure
from tests.factories.reviews import ProductReviewFactory
from tests.factories.standing import EvidenceFactory, rules_catalogue  # noqa: F401
from tests.security.test_no_raw_codes import raw_codes, visible_text

pytestmark = pytest.mark.django_db

LANGUAGES = ["zh-hans", "en"]


@pytest.fixture
def staff(client):
    user = UserFactory(username="platformadmin", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def page(client, url, language):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return response.content.decode()


def change(obj):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("language", LANGUAGES)
def test_rules_are_named_by_title_and_version_label(staff, merchant_a, language):
    entry = services.record_violation(
        merchant=merchant_a, rule_code="sla_breach_merchant", evidence=EvidenceFactory()
    )
    urls = [
        changelist(type(entry)),
        change(entry),
        changelist(ViolationRule),
        change(entry.rule),
    ]
    with translation.override(language):
        title = entry.rule.title
    for url in urls:
        html = page(staff, url, language)
        assert raw_codes(html) == [], url
        assert "sla_breach_merchant" not in visible_text(html), url
        assert title in visible_text(html), url
    with translation.override(language):
        assert "v1" not in str(entry.rule)
        assert title in str(entry.rule) and "1" in str(entry.rule)
        assert "sla_breach_merchant" not in str(entry)


@pytest.mark.parametrize("language", LANGUAGES)
def test_restriction_shows_its_detail_as_words_not_its_parameters(staff, merchant_a, language):
    restriction = Restriction.objects.create(
        merchant=merchant_a,
        kind=Restriction.Kind.SALES_RESTRICTION,
        reason=Restriction.Reason.TRAINING_OVERDUE,
        reason_code="training_overdue",
        reason_params={"programme": "Food safety", "due": "2026-11-27", "left_over": "x_y"},
        starts_at=timezone.now(),
    )
    html = page(staff, change(restriction), language)
    assert raw_codes(html) == []
    assert "left_over" not in html
    assert "Food safety" in visible_text(html)


@pytest.mark.parametrize("language", LANGUAGES)
def test_standard_versions_read_with_a_version_label(staff, language):
    version = StandardVersionFactory(number=2)
    for url in (change(version), change(version.standard)):
        html = page(staff, url, language)
        assert raw_codes(html) == [], url
    with translation.override(language):
        assert " v2" not in str(version)
        assert ("第 2 版" if language == "zh-hans" else "version 2") in str(version)


@pytest.mark.parametrize("language", LANGUAGES)
def test_alert_kinds_and_decision_actions_are_words(staff, merchant_a, language):
    alert = Alert.objects.create(
        kind="document_expired",
        key="document_expired:document:1:user:1",
        recipient_user=UserFactory(username="reader"),
        payload={"document": "Licence", "expires": "2026-12-01"},
    )
    Decision.objects.create(
        content_type=ContentType.objects.get_for_model(merchant_a),
        object_id=str(merchant_a.pk),
        action="ask_consumer",
    )
    for url in (changelist(Alert), change(alert), changelist(Decision)):
        html = page(staff, url, language)
        assert raw_codes(html) == [], url
    decisions = visible_text(page(staff, changelist(Decision), language))
    with translation.override(language):
        assert decision_labels.action_label("ask_consumer") in decisions
        assert alert.kind_label in visible_text(page(staff, change(alert), language))


@pytest.mark.parametrize("language", LANGUAGES)
def test_signal_evidence_and_rating_figures_are_read_as_people_read_them(
    staff, merchant_a, language
):
    review = ProductReviewFactory()
    signal = IntegritySignal.objects.create(
        kind=IntegritySignal.Kind.UNVERIFIED,
        review=review,
        evidence={"purchases_by_reviewer": 0, "unverified_reviews_by_reviewer": 4},
    )
    figure = rating_figure(merchant_a, overall="3.7126", count=87)
    product = ProductFactory(merchant=merchant_a)
    stars = ProductRatingFigure.objects.create(
        product=product,
        merchant=merchant_a,
        as_of=timezone.localdate() - timedelta(days=1),
        window_days=90,
        review_count=16,
        stars_sum=61,
        stars=Decimal("3.8125"),
        computed_at=timezone.now(),
    )
    urls = [
        change(signal),
        change(review),
        changelist(type(figure)),
        change(figure),
        changelist(ProductRatingFigure),
        change(stars),
    ]
    for url in urls:
        html = page(staff, url, language)
        assert raw_codes(html) == [], url
    html = visible_text(page(staff, change(figure), language))
    assert "3.71" in html and "3.7126" not in html
    with translation.override(language):
        assert "3.7126" not in str(figure)


def test_a_sampling_plan_is_a_labelled_table():
    from django.contrib.admin.sites import site

    from inspections.models import DefectClass, Inspection

    inspection = Inspection(
        sampling_plans={
            "major": {
                "aql": "2.5",
                "code_letter": "J",
                "initial_code_letter": "J",
                "sample_size": 80,
                "table_sample_size": 80,
                "full_inspection": False,
                "accept": 5,
                "reject": 6,
            },
            "critical": {"aql": "0", "code_letter": "J", "sample_size": 80, "accept": 0},
        }
    )
    for language in LANGUAGES:
        with translation.override(language):
            html = str(site._registry[Inspection].sampling_plans_table(inspection))
            critical, major = str(DefectClass.CRITICAL.label), str(DefectClass.MAJOR.label)
        assert raw_codes(html) == []
        assert "code_letter" not in html
        # the critical class first, as ISO 2859-1 orders them
        assert html.index(critical) < html.index(major)


def test_the_verdict_by_class_is_a_labelled_table():
    from django.contrib.admin import site

    from inspections.models import DefectClass, Inspection

    inspection = Inspection(
        sampling_plans={"minor": {"aql": "1.5000", "code_letter": "J", "sample_size": 50}},
        verdict_detail={
            "minor": {
                "accept": 3,
                "reject": 4,
                "accepted": False,
                "sample_size": 50,
                "nonconforming": 4,
            },
            "critical": {
                "accept": 0,
                "reject": 1,
                "accepted": False,
                "sample_size": 50,
                "nonconforming": 1,
            },
        },
    )
    inspection_admin = site._registry[Inspection]
    for language, rejected in zip(LANGUAGES, ("拒收", "Rejected"), strict=True):
        with translation.override(language):
            html = str(inspection_admin.verdict_table(inspection))
            plans = str(inspection_admin.sampling_plans_table(inspection))
            minor = str(DefectClass.MINOR.label)
        assert raw_codes(html) == [] and raw_codes(plans) == []
        assert "sample_size" not in html and "accepted" not in html
        assert minor in html and rejected in html
        assert "<td>1.5</td>" in plans  # the AQL as people write it


@pytest.mark.parametrize(
    ("language", "department"), [("zh-hans", "消费者服务部"), ("en", "Consumer Service")]
)
def test_groups_are_named_by_their_department(staff, language, department):
    from django.contrib.auth.models import Group

    group = Group.objects.get(name="consumer_service")
    member = UserFactory(username="agent7", is_staff=True)
    member.groups.add(group)
    for url in (changelist(type(member)), change(member), changelist(Group)):
        html = page(staff, url, language)
        assert department in visible_text(html), url
        assert "consumer_service" not in visible_text(html), url
    assert group.name == "consumer_service"  # code still reads the code
