"""What the consumer is told: one notice per event (question, decision with the rating
link, remedy change), in the case's language, after commit only, on each channel they gave
(e-mail; SMS through the pluggable backend)."""

import re

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation

from complaints import notifications, services
from complaints.models import Case
from core import notify
from tests.factories.complaints import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(role_user):
    return role_user("consumer_service")


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.SMS_BACKEND = "core.notify.LocmemSMSBackend"
    notify.sms_outbox.clear()
    yield
    notify.sms_outbox.clear()


def filed(language="en", **kwargs):
    with translation.override(language):
        return CaseFactory(**kwargs)


def test_the_case_keeps_the_language_it_was_filed_in():
    assert filed("en").language == "en"
    assert filed("zh-hans").language == "zh-hans"


def test_a_question_to_the_consumer_is_mailed_after_commit(
    agent, django_capture_on_commit_callbacks
):
    case = filed("en", consumer_email="li@example.test")
    services.assign(case=case, to=agent)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.ask_consumer(case=case, by=agent, question="Which colour was it?")
        assert mail.outbox == []  # nothing before commit
    assert len(callbacks) == 1
    (message,) = mail.outbox
    assert message.to == ["li@example.test"]
    assert "We need more information about your case" in message.body
    assert case.reference in message.subject


def test_the_decision_is_mailed_with_a_rating_link_that_rates_the_case(
    agent, client, django_capture_on_commit_callbacks
):
    case = filed("en", consumer_email="li@example.test")
    services.assign(case=case, to=agent)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve(case=case, by=agent, outcome="refund")
    (message,) = mail.outbox
    assert "has been decided: Refund" in message.body
    link = re.search(r"http://\S+/complaints/rate/(\S+)/", message.body)
    assert link, message.body
    page = client.get(f"/complaints/rate/{link.group(1)}/")
    assert page.status_code == 200 and 'data-testid="rating-form"' in page.content.decode()
    rated = client.post(f"/complaints/rate/{link.group(1)}/", {"rating": "4", "comment": ""})
    assert rated.status_code == 302
    case.refresh_from_db()
    assert case.satisfaction == 4
    assert client.get(f"/complaints/rate/{link.group(1)}x/").status_code == 404


def test_notices_are_translated_into_the_language_of_the_case(
    agent, django_capture_on_commit_callbacks
):
    case = filed("zh-hans", consumer_email="wang@example.test")
    services.assign(case=case, to=agent)
    mail.outbox.clear()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.resolve(case=case, by=agent, outcome="refund")
    (message,) = mail.outbox
    assert "has been decided" not in message.body
    assert re.search(r"[\u4e00-\u9fff]", message.body)


def test_a_remedy_change_is_notified_through_the_one_entry_point(
    django_capture_on_commit_callbacks,
):
    case = filed("en", consumer_email="li@example.test")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify_consumer(case=case, event="remedy", detail="Refund of 120 paid.")
    (message,) = mail.outbox
    assert "The remedy for your case" in message.body and "Refund of 120 paid." in message.body


def test_nothing_is_sent_when_the_step_rolls_back(agent, django_capture_on_commit_callbacks):
    case = filed("en", consumer_email="li@example.test")
    services.assign(case=case, to=agent)
    mail.outbox.clear()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.ask_consumer(case=case, by=agent, question="Which colour?")
        raise RuntimeError("the step fails after the notice was queued")
    assert callbacks == [] and mail.outbox == []
    assert Case.objects.get(pk=case.pk).status == "assigned"


def test_a_phone_only_consumer_gets_sms_through_the_backend(
    agent, django_capture_on_commit_callbacks
):
    case = filed("en", consumer_email="", consumer_phone="13800138000")
    services.assign(case=case, to=agent)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ask_consumer(case=case, by=agent, question="Which colour?")
    assert mail.outbox == []
    (sms,) = notify.sms_outbox
    assert sms.to == "13800138000" and "We need more information" in sms.body


def test_the_logging_sms_backend_writes_the_message_to_the_log(settings, caplog):
    settings.SMS_BACKEND = "core.notify.LoggingSMSBackend"
    with caplog.at_level("INFO", logger="core.notify"):
        notify.send(channel="sms", to="13800138000", subject="Case", body="Hello")
    assert "SMS to 13800138000" in caplog.text


def test_a_failing_channel_does_not_stop_the_others(settings, agent, caplog):
    settings.SMS_BACKEND = "tests.complaints.test_consumer_notifications.BrokenSMS"
    case = filed("en", consumer_email="li@example.test", consumer_phone="13800138000")
    mail.outbox.clear()
    assert notifications.deliver(case, "message") == 1
    assert len(mail.outbox) == 1 and "consumer notice to sms failed" in caplog.text


class BrokenSMS(notify.BaseSMSBackend):
    def send_messages(self, messages):
        raise ConnectionError("gateway down")
