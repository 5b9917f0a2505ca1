"""Consumer Service works a complaint to resolution before the deadline, through a real
browser in both languages: the queue shows the case with its running clock, the agent
assigns it, asks the merchant, the merchant answers (with a photo) in the portal, and the
agent resolves with a refund while every clock is still green."""

import pytest
from django.contrib.auth.models import Group

from complaints.models import Case
from core.audit import decisions_for
from tests import files
from tests.e2e.conftest import LANGUAGES, assert_page_in, log_in, translated
from tests.factories.complaints import CaseFactory
from tests.factories.core import PASSWORD, UserFactory
from tests.factories.merchants import MembershipFactory, MerchantFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_consumer_service_works_a_case_to_resolution_before_the_deadline(
    make_page, language, tmp_path
):
    agent = UserFactory(username=f"agent-{language}", is_staff=True)
    agent.groups.add(Group.objects.get(name="consumer_service"))
    merchant = MerchantFactory(legal_name=f"Kettle shop {language}", status="active")
    owner = MembershipFactory(merchant=merchant, role="owner").user
    case = CaseFactory(merchant=merchant, description="The kettle leaks from the base.")

    page = make_page(language)
    log_in(page, agent, PASSWORD)
    page.goto("/staff/complaints/")
    assert_page_in(page, language)
    row = page.get_by_test_id("queue-row").filter(has_text=case.reference)
    clock = row.get_by_test_id("clock")
    assert "ok" in clock.get_attribute("class").split()
    assert translated(language, "on time") in clock.inner_text()
    row.get_by_role("link", name=case.reference).click()
    page.wait_for_url(f"**/staff/complaints/{case.pk}/")

    page.get_by_test_id("submit-assign").click()
    page.wait_for_load_state()
    assert translated(language, "The case is assigned.") in (
        page.get_by_test_id("messages").inner_text()
    )
    form = page.get_by_test_id("action-ask_merchant")
    form.locator("[name=ask_merchant-question]").fill("Which batch was this kettle from?")
    page.get_by_test_id("submit-ask_merchant").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("case-status").inner_text() == translated(
        language, "Awaiting merchant"
    )

    shop = make_page(language)
    log_in(shop, owner, PASSWORD)
    shop.goto("/merchant/complaints/")
    assert_page_in(shop, language)
    shop.get_by_test_id("waiting").get_by_role("link", name=case.reference).click()
    assert "Which batch was this kettle from?" in shop.inner_text("body")
    assert shop.get_by_test_id("answer-deadline").get_by_test_id("clock").is_visible()
    photo = tmp_path / "batch.png"
    photo.write_bytes(files.png_bytes())
    answer = shop.get_by_test_id("answer-form")
    answer.locator("[name=answer-text]").fill("Batch 2026-11; we agree to a refund.")
    answer.locator("[name=answer-files]").set_input_files(str(photo))
    shop.get_by_test_id("answer-submit").click()
    shop.wait_for_load_state()
    assert translated(language, "Your answer is sent to Consumer Service.") in (
        shop.get_by_test_id("messages").inner_text()
    )

    page.reload()
    timeline = page.get_by_test_id("timeline").inner_text()
    assert "Batch 2026-11; we agree to a refund." in timeline and "batch.png" in timeline
    form = page.get_by_test_id("action-resolve")
    form.locator("[name=resolve-outcome]").select_option("refund")
    form.locator("[name=resolve-message]").fill("Your refund of 199 yuan is on its way.")
    page.get_by_test_id("submit-resolve").click()
    page.wait_for_load_state()
    assert translated(language, "The case is resolved.") in (
        page.get_by_test_id("messages").inner_text()
    )
    assert page.get_by_test_id("outcome").inner_text().startswith(translated(language, "Refund"))
    assert_page_in(page, language)

    case = Case.objects.get(pk=case.pk)
    assert (case.status, case.outcome, case.assignee) == ("resolved", "refund", agent)
    assert case.first_responded_at < case.response_due_at
    assert case.resolved_at < case.resolution_due_at
    assert decisions_for(case).get(action="resolve").data["late"] is False
