"""Phone width (375 px): list tables reflow into one card per row with each value under its
column's heading, nothing overflows sideways, and the main navigation folds behind a Menu
button (issue 19, item 10), in both languages."""

import pytest
from django.contrib.auth.models import Group

from tests.e2e.conftest import LANGUAGES, assert_page_in, log_in
from tests.factories.complaints import CaseFactory
from tests.factories.core import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_staff_queue_reflows_into_cards_and_the_menu_folds_at_375_px(make_page, language):
    agent = UserFactory(username=f"phone-agent-{language}", is_staff=True)
    agent.groups.add(Group.objects.get(name="consumer_service"))
    case = CaseFactory()

    page = make_page(language, phone=True)
    page.set_viewport_size({"width": 375, "height": 812})
    log_in(page, agent, PASSWORD)
    page.goto("/staff/complaints/")
    assert_page_in(page, language)

    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    table = page.locator("table.list[data-stack]").first
    assert table.is_visible()
    row = page.get_by_test_id("queue-row").filter(has_text=case.reference)
    reference = row.locator("td", has_text=case.reference)
    heading = reference.get_attribute("data-label")
    assert heading  # the column's heading, shown before the value by site.css
    shown = page.evaluate(
        "cell => getComputedStyle(cell, '::before').content", reference.element_handle()
    )
    assert heading in shown
    assert page.locator("table.list thead").first.bounding_box()["width"] <= 1

    toggle = page.locator(".nav-toggle")
    assert toggle.inner_text()  # "Menu" / 菜单 (context "navigation")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#main-nav").is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("#main-nav").is_visible()


@pytest.mark.parametrize("language", LANGUAGES)
def test_on_a_desktop_the_table_stays_a_table_and_the_menu_open(make_page, language):
    agent = UserFactory(username=f"desk-agent-{language}", is_staff=True)
    agent.groups.add(Group.objects.get(name="consumer_service"))
    CaseFactory()
    page = make_page(language)
    log_in(page, agent, PASSWORD)
    page.goto("/staff/complaints/")
    assert page.locator("table.list thead").first.bounding_box()["width"] > 100
    assert page.locator("#main-nav").is_visible()
    assert not page.locator(".nav-toggle").is_visible()
