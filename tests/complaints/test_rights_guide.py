"""The consumer rights guide (domain §17) explains the rules in force: it follows a new
policy version, in both languages, and is linked from the consumer forms and case pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import CaseKind, Priority
from complaints.policies import REMEDY_WINDOWS
from core import policies
from tests.factories.complaints import CaseFactory
from tests.factories.core import CategoryFactory

pytestmark = pytest.mark.django_db

URL = "/rights/"


def _get(client, language="en"):
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_the_guide_lives_at_its_named_url():
    assert reverse("complaints:rights-guide") == URL


def test_the_guide_shows_the_default_windows_and_clocks_in_english(client):
    page = _get(client)
    assert "Return without a reason: within 7 days." in page
    assert "Exchange: within 15 days." in page
    assert "Repair: within 30 days." in page
    assert "answers a complaint within 24 hours of filing" in page
    assert "You get a decision within 72 hours of filing" in page
    assert "never limit your remedies for a quality defect, counterfeit goods or a safety" in page
    assert "full compensation or a reshipment" in page
    assert "the platform pays you first" in page


def test_the_guide_is_in_chinese(client):
    page = _get(client, "zh-hans")
    assert "消费者权益" in page
    assert "7" in page and "15" in page and "30" in page
    assert "24" in page and "72" in page


def test_the_guide_follows_a_new_policy_version(client):
    policies.publish(
        REMEDY_WINDOWS,
        value={"return_days": 10, "defect_return_days": 14, "exchange_days": 20, "repair_days": 45},
        effective_from=timezone.now() - timedelta(minutes=1),
    )
    services.publish_policy(
        kind=CaseKind.COMPLAINT,
        priority=Priority.NORMAL,
        first_response_hours=12,
        resolution_hours=48,
        effective_from=timezone.now() - timedelta(minutes=1),
    )
    for language in ("en", "zh-hans"):
        page = _get(client, language)
        for number in ("10", "14", "20", "45", "12", "48"):
            assert number in page, (language, number)
    page = _get(client)
    assert "Return without a reason: within 10 days." in page
    assert "Repair: within 45 days." in page
    assert "answers a complaint within 12 hours of filing" in page
    assert "within 48 hours of filing" in page
    assert "within 7 days" not in page


def test_the_guide_lists_the_excluded_categories(client):
    CategoryFactory(name_en="Fresh food", excluded_from_no_reason_return=True)
    CategoryFactory(
        name_en="Software", excluded_from_no_reason_return=True, no_reason_return_opened_only=True
    )
    CategoryFactory(name_en="Kettles")
    page = _get(client)
    assert "Fresh food" in page
    assert "Software — only once opened" in page
    assert "Kettles" not in page


def test_the_guide_links_both_forms(client):
    page = _get(client)
    assert reverse("complaints:new-complaint") in page
    assert reverse("complaints:new-report") in page


@pytest.mark.parametrize("form", ["complaints:new-complaint", "complaints:new-report"])
def test_both_consumer_forms_link_the_guide(client, form):
    page = client.get(reverse(form)).content.decode()
    assert 'data-testid="rights-guide-link"' in page
    assert URL in page


def test_every_consumer_case_page_and_the_footer_link_the_guide(client):
    case = CaseFactory()
    page = client.get(reverse("complaints:case", args=[case.tracking_token])).content.decode()
    assert 'data-testid="rights-guide-link"' in page
    assert 'data-testid="footer-rights-guide"' in page


def test_the_guide_fits_a_phone(client):
    page = _get(client)
    assert 'name="viewport"' in page
    assert "<table" not in page.split('data-testid="rights-guide"')[1]


def test_the_consumer_links_are_in_the_header_of_consumers_only(db, role_user, owner_a):
    from django.contrib.auth.models import AnonymousUser

    from core.navigation import items_for
    from tests.factories.core import UserFactory

    consumer_links = {
        reverse("complaints:new-complaint"),
        reverse("complaints:new-report"),
        reverse("complaints:rights-guide"),
    }

    def urls(user):
        return {item["url"] for item in items_for(user)}

    assert consumer_links <= urls(AnonymousUser())
    assert consumer_links <= urls(UserFactory())
    agent = role_user("consumer_service")
    assert not consumer_links & urls(agent)
    assert reverse("complaints:staff-queue") in urls(agent)
    assert not consumer_links & urls(owner_a)
