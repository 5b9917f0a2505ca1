"""A merchant owner on a phone sees the training due on the overview, goes through the
modules, passes the quiz and opens the certificate; a quality manager reads completion.
TRAINING_SHOTS=/dir keeps a screenshot of each page."""

import os

import pytest

from tests.e2e.conftest import LANGUAGES, assert_page_in, log_in, translated
from tests.factories import MembershipFactory, MerchantFactory
from tests.factories.core import PASSWORD
from tests.merchants.training_helpers import published

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _shot(page, name):
    folder = os.environ.get("TRAINING_SHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_merchant_completes_training_on_a_phone(make_page, role_user, language):
    mm = role_user("merchant_management")
    owner = MembershipFactory(merchant=MerchantFactory(legal_name="Hangzhou Tea Co.")).user
    published(mm, title="年度质量培训 Quality week", questions=2, pass_mark=100)
    page = make_page(language)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, owner, PASSWORD)

    page.goto("/merchant/")
    assert_page_in(page, language)
    due = page.get_by_test_id("training-due")
    assert "Quality week" in due.inner_text()
    _shot(page, f"overview-{language}")
    due.get_by_role("link", name="年度质量培训 Quality week").click()
    page.wait_for_load_state()
    page.get_by_test_id("modules-done").click()
    page.wait_for_load_state()
    page.get_by_test_id("take-quiz").click()
    page.wait_for_load_state()
    _shot(page, f"quiz-{language}")
    for fieldset in page.locator("fieldset").all():
        fieldset.locator("input[type=radio]").nth(1).check()
    page.get_by_role("button", name=translated(language, "Submit answers")).click()
    page.wait_for_load_state()
    assert_page_in(page, language)
    state = page.get_by_test_id("training-state").inner_text()
    assert translated(language, "Completed") in state
    _shot(page, f"completed-{language}")
    with page.expect_response(lambda r: r.url.endswith("certificate.pdf")) as response:
        page.evaluate(
            "url => fetch(url)",
            page.get_by_role("link", name=translated(language, "Certificate (PDF)")).get_attribute(
                "href"
            ),
        )
    assert response.value.headers["content-type"] == "application/pdf"

    manager = role_user("quality_manager")
    staff_page = make_page(language)
    log_in(staff_page, manager, PASSWORD)
    staff_page.goto("/staff/training/")
    assert_page_in(staff_page, language)
    assert "Quality week" in staff_page.inner_text("body")
    _shot(staff_page, f"staff-overview-{language}")
