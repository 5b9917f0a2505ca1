"""The merchant is told when its answer is wanted: the question itself, 75 % of the answer
window, the breach; inbox and e-mail to owners and staff members with the case right only;
and the portal overview shows what waits for its answer, with live clocks."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from complaints import services
from complaints.sweep import sweep
from core.models import Alert
from tests.factories.complaints import CaseFactory
from tests.factories.core import UserFactory
from tests.factories.merchants import MembershipFactory

pytestmark = pytest.mark.django_db
FILED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def at(hours: float):
    return time_machine.travel(FILED + timedelta(hours=hours), tick=False)


@pytest.fixture
def agent(role_user):
    return role_user("consumer_service")


@pytest.fixture
def shop(merchant_a):
    owner = MembershipFactory(merchant=merchant_a, role="owner").user
    handler = MembershipFactory(merchant=merchant_a, role="staff", handles_cases=True).user
    clerk = MembershipFactory(merchant=merchant_a, role="staff").user
    return merchant_a, owner, handler, clerk


def asked(agent, merchant, capture=None):
    with at(0):
        case = CaseFactory(merchant=merchant)
        services.assign(case=case, to=agent)
    with at(0.5):
        services.ask_merchant(case=case, by=agent, question="Please explain the leak")
    return case


def merchant_alerts(kind):
    return set(Alert.objects.filter(kind=kind).values_list("recipient_user_id", flat=True))


def test_the_question_alerts_owners_and_case_handlers_by_inbox_and_email(
    agent, shop, django_capture_on_commit_callbacks
):
    merchant, owner, handler, clerk = shop
    UserFactory()  # someone else entirely
    with django_capture_on_commit_callbacks(execute=True):
        case = asked(agent, merchant)
    assert merchant_alerts("merchant_question") == {owner.pk, handler.pk}
    alert = Alert.objects.filter(kind="merchant_question").first()
    assert alert.url == f"/merchant/complaints/{case.pk}/"
    mailed = {address for message in mail.outbox for address in message.to}
    assert {owner.email, handler.email} <= mailed and clerk.email not in mailed


def test_at_75_percent_and_at_breach_the_merchant_is_alerted_once(agent, shop):
    merchant, owner, handler, _clerk = shop
    asked(agent, merchant)
    with at(0.5 + 17.9):
        sweep()
    assert merchant_alerts("merchant_answer_at_risk") == set()
    with at(0.5 + 18.1):
        sweep()
        sweep()
    assert merchant_alerts("merchant_answer_at_risk") == {owner.pk, handler.pk}
    assert Alert.objects.filter(kind="merchant_answer_at_risk").count() == 2
    with at(0.5 + 24.1):
        sweep()
        sweep()
    assert merchant_alerts("merchant_answer_breached") == {owner.pk, handler.pk}
    assert Alert.objects.filter(kind="merchant_answer_breached").count() == 2
    # Staff still get theirs.
    assert Alert.objects.filter(kind="sla_breached", key__contains="merchant_answer").count() == 1


def test_a_merchant_who_answers_in_time_gets_no_deadline_alerts(agent, shop):
    merchant, owner, *_ = shop
    case = asked(agent, merchant)
    with at(2):
        services.merchant_answer(case=case, by=owner, text="We will replace it.")
    with at(30):
        sweep()
    assert not Alert.objects.filter(kind__startswith="merchant_answer_").exists()


def test_the_overview_shows_what_waits_for_the_answer_at_the_top(agent, shop, client):
    merchant, owner, _handler, _clerk = shop
    case = asked(agent, merchant)
    client.force_login(owner)
    with at(1):
        html = client.get("/merchant/").content.decode()
    assert 'data-testid="waiting-for-answer"' in html
    assert case.reference in html and "data-countdown" in html
    assert html.index("waiting-for-answer") < html.index('data-testid="merchant-status"')
    with at(2):
        services.merchant_answer(case=case, by=owner, text="Done")
        html = client.get("/merchant/").content.decode()
    assert "waiting-for-answer" not in html
