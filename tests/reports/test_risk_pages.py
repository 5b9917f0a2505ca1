"""Staff risk pages: the list by score with a tier filter, the merchant's factor
contributions, the link from the merchant admin, and who may see them."""

import pytest
from django.urls import reverse

from core.navigation import items_for
from tests.factories.complaints import CaseFactory
from tests.factories.merchants import MerchantFactory
from tests.factories.reports import RiskScoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(merchant_a):
    high = RiskScoreFactory(
        merchant=MerchantFactory(legal_name="Risky Ltd."), score="75.00", tier="high"
    )
    low = RiskScoreFactory(merchant=merchant_a)
    return high, low


def test_the_list_sorts_by_score_and_filters_by_tier(client, role_user, stored):
    client.force_login(role_user("data_analysis"))
    page = client.get(reverse("reports:risk-list")).content.decode()
    assert page.index("Risky Ltd.") < page.index("Merchant A")
    page = client.get(reverse("reports:risk-list"), {"tier": "low"}).content.decode()
    assert "Risky Ltd." not in page
    assert "Merchant A" in page


def test_the_merchant_page_shows_the_factor_contributions(client, role_user, stored):
    _high, low = stored
    client.force_login(role_user("merchant_management"))
    url = reverse("reports:risk-merchant", args=[low.merchant_id])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Complaints per 1,000 orders" in page
    assert "Rolling service rating" in page
    assert "13.33" in page
    assert "25.33" in page
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "每千笔订单投诉数" in page


def test_the_merchant_page_links_its_cases_and_standing_for_readers_who_may_open_them(
    client, role_user, stored
):
    _high, low = stored
    case = CaseFactory(merchant=low.merchant)
    url = reverse("reports:risk-merchant", args=[low.merchant_id])
    case_url = reverse("complaints:staff-case", args=[case.pk])
    standing_url = reverse("merchants:staff-standing", args=[low.merchant_id])
    manager = role_user("quality_manager")
    client.force_login(manager)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert case.reference in page and case_url in page and standing_url in page
    assert client.get(case_url).status_code == 200
    assert client.get(standing_url).status_code == 200
    client.force_login(role_user("data_analysis"))
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert case.reference in page
    assert case_url not in page and standing_url not in page
    assert "Li Na" not in page


def test_merchant_users_cannot_see_risk_pages(client, owner_a, stored):
    client.force_login(owner_a)
    assert client.get(reverse("reports:risk-list")).status_code == 403
    assert (
        client.get(reverse("reports:risk-merchant", args=[stored[1].merchant_id])).status_code
        == 403
    )
    assert "/staff/risk/" not in [item["url"] for item in items_for(owner_a)]


def test_staff_see_the_risk_link_in_the_navigation(role_user):
    assert "/staff/risk/" in [item["url"] for item in items_for(role_user("data_analysis"))]


def test_the_merchant_admin_shows_the_score_and_links_the_risk_page(admin_client, stored):
    _high, low = stored
    page = admin_client.get(
        reverse("admin:merchants_merchant_change", args=[low.merchant_id])
    ).content.decode()
    assert reverse("reports:risk-merchant", args=[low.merchant_id]) in page
    assert "25.33" in page
