"""A consumer files an after-sales complaint with an attachment through the public form
(the remedy list refreshes as they type), lands on their case page by its private link,
sees the live countdowns, closes the tab and comes back from the link mailed to them and,
once Consumer Service asks a question, replies there."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from complaints import services
from complaints.models import Case, CaseStatus
from tests import files
from tests.e2e.conftest import LANGUAGES, assert_page_in, translated
from tests.factories import ProductFactory, UserFactory
from tests.factories.reviews import PurchaseFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_consumer_files_a_complaint_with_an_attachment_and_follows_the_case_link(
    make_page, language, tmp_path
):
    from django.contrib.auth.models import Group

    product = ProductFactory(title="Electric kettle")
    purchase = PurchaseFactory(
        order_number=f"SO-{language}-0042",
        consumer="li@example.test",
        product=product,
        paid_at=timezone.now() - timedelta(days=5),
        delivered_at=timezone.now() - timedelta(days=3),
    )
    agent = UserFactory(is_staff=True)
    agent.groups.add(Group.objects.get_or_create(name="consumer_service")[0])
    photo = tmp_path / "漏水 leak.png"
    photo.write_bytes(files.png_bytes())
    page = make_page(language)

    page.goto("/")
    page.get_by_role("link", name=translated(language, "Complain")).first.click()
    page.wait_for_url("**/complaints/new/")
    assert_page_in(page, language)
    form = page.get_by_test_id("complaint-form")
    form.locator("[name=consumer_name]").fill("李娜")
    form.locator("[name=consumer_email]").fill("li@example.test")
    form.locator("[name=order_number]").fill(purchase.order_number)
    form.locator("[name=complaint_type]").select_option("quality_defect")
    # The remedy list follows what was typed: the order's delivery date 3 days ago keeps
    # the 7-day return open (no reload, the form's script asked the server).
    remedies = page.get_by_test_id("remedies")
    remedies.locator("[data-remedy=return][data-eligible=yes]").wait_for()
    assert remedies.locator("[data-remedy=compensation][data-eligible=no]").count() == 1
    form.locator("[name=description]").fill("水壶底部漏水。 The kettle leaks.")
    form.locator("[name=desired_remedy]").select_option("exchange")
    form.locator("[name=attachment_1]").set_input_files(str(photo))
    page.get_by_test_id("complaint-submit").click()

    page.wait_for_url("**/complaints/case/**")
    assert_page_in(page, language)
    case = Case.objects.get()
    assert case.product == product and case.delivered_at == purchase.delivered_at
    assert case.reference in page.get_by_test_id("messages").inner_text()
    assert page.get_by_test_id("case-status").inner_text() == translated(language, "New")
    # Both deadlines: absolute times from the server, a live countdown added by the script.
    deadlines = page.get_by_test_id("deadlines")
    assert deadlines.locator("time[data-countdown]").count() == 2
    deadlines.locator("[data-countdown-text]").first.wait_for()
    assert "(" in deadlines.inner_text()
    link = page.get_by_test_id("case-attachment")
    assert link.inner_text() == "漏水 leak.png"
    case_url = page.url

    # The consumer closes the tab; the link mailed at filing brings them back to the case.
    (mailed,) = [m for m in mail.outbox if m.to == ["li@example.test"]]
    link = re.search(r"/complaints/case/[^/\s]+/", mailed.body).group(0)
    assert case_url.endswith(link)
    page.close()
    page = make_page(language)
    page.goto(link)
    assert page.get_by_test_id("case-status").inner_text() == translated(language, "New")

    services.assign(case=case, to=agent)
    services.ask_consumer(case=case, by=agent, question="Please send the order invoice.")
    page.goto(case_url)
    assert "Please send the order invoice." in page.get_by_test_id("conversation").inner_text()
    reply = page.get_by_test_id("reply-form")
    reply.locator("[name=text]").fill("Invoice attached.")
    invoice = tmp_path / "invoice.pdf"
    invoice.write_bytes(files.pdf_bytes())
    reply.locator("[name=attachment_1]").set_input_files(str(invoice))
    page.get_by_test_id("reply-submit").click()
    page.wait_for_load_state()
    assert translated(language, "Your message is sent.") in (
        page.get_by_test_id("messages").inner_text()
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSIGNED  # the paused clock resumed
    assert page.get_by_test_id("case-attachment").count() == 2

    # Another visitor with a made-up link learns nothing.
    stranger = make_page(language)
    response = stranger.goto("/complaints/case/not-a-real-token/")
    assert response.status == 404
    assert case.reference not in stranger.inner_text("body")
