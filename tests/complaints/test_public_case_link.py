"""The consumer's tracking link: it opens its own case and nothing else, only its hash is
stored, bad and expired links are a plain 404, replies resume a paused clock, files are
served only from the case's own visible conversation, and the closed case can be rated."""

from datetime import UTC, timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Case, CaseMessage, CaseStatus
from tests import files
from tests.factories.complaints import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _generous_limits(settings):
    settings.COMPLAINTS_RATE_PER_IP = "1000/h"
    settings.COMPLAINTS_RATE_PER_CONTACT = "1000/h"


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


def page(case):
    return reverse("complaints:case", args=[case.tracking_token])


def test_a_link_opens_its_own_case_with_deadlines_as_instants(client, merchant_a):
    mine = CaseFactory(merchant=merchant_a, description="My kettle leaks.")
    other = CaseFactory(merchant=merchant_a, description="Someone else's toaster burns.")
    response = client.get(page(mine))
    html = response.content.decode()
    assert response.status_code == 200
    assert mine.reference in html and "My kettle leaks." in html
    assert other.reference not in html and "toaster" not in html
    # Countdown instants in UTC ISO for the script, local absolute times for everyone.
    due = timezone.localtime(mine.response_due_at)
    assert mine.response_due_at.astimezone(UTC).isoformat() in html
    assert due.strftime("%Y-%m-%d %H:%M") in html
    assert {"private", "no-store"} <= {p.strip() for p in response["Cache-Control"].split(",")}
    assert "noindex" in response["X-Robots-Tag"]


def test_only_the_hash_of_the_token_is_stored(merchant_a):
    case = CaseFactory(merchant=merchant_a)
    token = case.tracking_token
    assert len(token) >= 40
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_to_json(c)::text FROM complaints_case c WHERE id = %s", [case.pk]
        )
        row = cursor.fetchone()[0]
    assert token not in row
    assert services.hash_token(token) in row


@pytest.mark.parametrize(
    "token",
    ["nope", "x" * 43, "x" * 200, "%00", "..%2F..%2Fetc"],
    ids=["short", "same-length", "long", "nul", "path"],
)
def test_a_bad_link_is_a_plain_404(client, merchant_a, token):
    case = CaseFactory(merchant=merchant_a)
    response = client.get(f"/complaints/case/{token}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert case.reference not in html and "Merchant A" not in html


def test_a_link_expires_after_the_case_has_been_closed_long_enough(
    client, merchant_a, agent, settings
):
    settings.COMPLAINTS_LINK_DAYS_AFTER_CLOSE = 30
    case = CaseFactory(merchant=merchant_a)
    token = case.tracking_token
    services.assign(case=case, to=agent)
    services.resolve(case=case, by=agent, outcome=Case.Outcome.REFUND, message="Refunded.")
    services.close(case=case, by=agent)
    assert client.get(page(case)).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = client.get(f"/complaints/case/{token}/")
        rating = client.post(f"/complaints/case/{token}/rate/", {"rating": "5"})
    assert response.status_code == 404 and case.reference not in response.content.decode()
    assert rating.status_code == 404


def test_the_consumer_replies_with_a_file_and_the_paused_clock_resumes(client, merchant_a, agent):
    case = CaseFactory(merchant=merchant_a)
    token = case.tracking_token
    services.assign(case=case, to=agent)
    services.ask_consumer(case=case, by=agent, question="Please send a photo of the leak.")
    case.refresh_from_db()
    due_before = case.resolution_due_at
    with time_machine.travel(timezone.now() + timedelta(hours=5)):
        response = client.post(
            reverse("complaints:case-reply", args=[token]),
            {"text": "Here is the photo.", "attachment_1": files.png("leak.png")},
        )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSIGNED and case.paused_at is None
    assert case.resolution_due_at > due_before + timedelta(hours=4)
    message = case.messages.filter(author_kind=CaseMessage.Author.CONSUMER).last()
    assert message.text == "Here is the photo."
    [upload] = message.attachments.all()
    download = client.get(reverse("complaints:case-attachment", args=[token, upload.pk]))
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"


def test_a_reply_with_a_bad_file_stores_nothing(client, merchant_a):
    case = CaseFactory(merchant=merchant_a)
    before = case.messages.count()
    response = client.post(
        reverse("complaints:case-reply", args=[case.tracking_token]),
        {"text": "See attached.", "attachment_1": files.upload("x.png", files.ELF_HEADER)},
    )
    assert response.status_code == 400
    assert "Only PDF, JPEG or PNG files are accepted" in response.content.decode()
    assert case.messages.count() == before


def test_a_link_serves_only_files_of_its_own_visible_conversation(client, merchant_a, agent):
    mine = CaseFactory(merchant=merchant_a)
    theirs = CaseFactory(merchant=merchant_a)
    services.assign(case=mine, to=agent)
    from core.uploads import store_upload

    other_file = store_upload(files.pdf())
    services.consumer_replied(case=theirs, text="mine", attachments=[other_file])
    internal_file = store_upload(files.pdf("internal.pdf"))
    services.respond(
        case=mine, by=agent, text="INTERNAL-ONLY", attachments=[internal_file], internal=True
    )
    for upload in (other_file, internal_file):
        response = client.get(
            reverse("complaints:case-attachment", args=[mine.tracking_token, upload.pk])
        )
        assert response.status_code == 404
    assert (
        "INTERNAL-ONLY" not in client.get(page(mine)).content.decode()
    )  # internal notes stay hidden
    # And the kernel download view does not hand them to an anonymous visitor either.
    assert client.get(reverse("core:download", args=[other_file.pk])).status_code == 404


def test_the_consumer_rates_the_closed_case_once(client, merchant_a, agent):
    case = CaseFactory(merchant=merchant_a)
    token = case.tracking_token
    url = reverse("complaints:case-rate", args=[token])
    assert client.post(url, {"rating": "5"}).status_code == 400  # not decided yet
    services.assign(case=case, to=agent)
    services.resolve(case=case, by=agent, outcome=Case.Outcome.EXCHANGE, message="Exchanged.")
    html = client.get(page(case)).content.decode()
    assert 'data-testid="rating-form"' in html and "Exchange" in html
    assert client.post(url, {"rating": "4", "comment": "Quick."}).status_code == 302
    case.refresh_from_db()
    assert (case.satisfaction, case.satisfaction_comment) == (4, "Quick.")
    again = client.post(url, {"rating": "1"})
    assert again.status_code == 400 and "already been rated" in again.content.decode()
    case.refresh_from_db()
    assert case.satisfaction == 4
