"""Merchant portal: a merchant sees and answers only its own cases (another's is a 404),
its answer deadline, answers with files (a bad file stores nothing), outcome proposals."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from complaints import services
from complaints.models import CaseMessage
from core.audit import decisions_for
from core.models import Upload
from tests import files
from tests.factories.complaints import CaseFactory

pytestmark = pytest.mark.django_db

ASKED = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return login


@pytest.fixture
def waiting_case(agent, merchant_a):
    with time_machine.travel(ASKED, tick=False):
        case = CaseFactory(merchant=merchant_a, description="Cracked screen on arrival.")
        services.assign(case=case, to=agent)
        services.respond(case=case, by=agent, text="Private note to the consumer")
        services.respond(case=case, by=agent, text="Staff only: seems legit", internal=True)
        services.ask_merchant(case=case, by=agent, question="Was it checked before shipping?")
    return case


def test_a_merchant_lists_only_its_own_cases_with_its_answer_clock(
    client_for, waiting_case, merchant_b, owner_a
):
    other = CaseFactory(merchant=merchant_b)
    with time_machine.travel(ASKED + timedelta(hours=19), tick=False):
        page = client_for(owner_a).get("/merchant/complaints/")
    assert page.status_code == 200
    html = page.content.decode()
    assert waiting_case.reference in html and other.reference not in html
    [(case, clock)] = page.context["waiting"]
    assert (case, clock.target, clock.state) == (waiting_case, "merchant_answer", "at-risk")
    assert 'href="/merchant/complaints/"' in html  # the portal's own sub-navigation link


def test_the_case_page_shows_the_question_but_not_staff_notes_or_consumer_contact(
    client_for, waiting_case, owner_a
):
    html = client_for(owner_a).get(f"/merchant/complaints/{waiting_case.pk}/").content.decode()
    assert "Cracked screen on arrival." in html
    assert "Was it checked before shipping?" in html
    assert "Staff only: seems legit" not in html
    assert "Private note to the consumer" not in html
    assert waiting_case.consumer_email not in html
    assert 'data-testid="answer-deadline"' in html


def test_merchant_b_can_neither_see_nor_answer_merchant_a_case(client_for, waiting_case, owner_b):
    client = client_for(owner_b)
    assert client.get(f"/merchant/complaints/{waiting_case.pk}/").status_code == 404
    response = client.post(
        f"/merchant/complaints/{waiting_case.pk}/answer/",
        {"answer-text": "Not our problem", "answer-files": files.pdf()},
    )
    assert response.status_code == 404
    response = client.post(
        f"/merchant/complaints/{waiting_case.pk}/propose/",
        {"proposal-outcome": "refund", "proposal-note": "x"},
    )
    assert response.status_code == 404
    waiting_case.refresh_from_db()
    assert waiting_case.status == "awaiting_merchant"
    assert not Upload.objects.exists()
    assert not CaseMessage.objects.filter(author_kind="merchant").exists()


def test_the_merchant_answers_with_an_attachment_and_the_case_returns_to_staff(
    client, client_for, waiting_case, owner_a, owner_b, agent
):
    response = client_for(owner_a).post(
        f"/merchant/complaints/{waiting_case.pk}/answer/",
        {
            "answer-text": "Checked, here is the QC report.",
            "answer-files": [files.pdf("qc.pdf"), files.png("box.png")],
        },
        follow=True,
    )
    assert "Your answer is sent to Consumer Service." in response.content.decode()
    waiting_case.refresh_from_db()
    assert waiting_case.status == "assigned" and waiting_case.merchant_answered_at
    message = CaseMessage.objects.get(case=waiting_case, author_kind="merchant")
    uploads = list(message.attachments.order_by("original_name"))
    assert [u.original_name for u in uploads] == ["box.png", "qc.pdf"]
    assert decisions_for(waiting_case).filter(action="merchant_answer", actor=owner_a).exists()

    download = f"/files/{uploads[1].pk}/"
    assert client_for(owner_a).get(download).status_code == 200
    assert client_for(agent).get(download).status_code == 200
    assert client_for(owner_b).get(download).status_code == 404


def test_a_bad_file_is_refused_and_nothing_is_stored(client_for, waiting_case, owner_a):
    fake = files.upload("report.pdf", b"MZ\x90\x00 not a pdf at all", "application/pdf")
    response = client_for(owner_a).post(
        f"/merchant/complaints/{waiting_case.pk}/answer/",
        {"answer-text": "See the report", "answer-files": [files.pdf(), fake]},
    )
    assert response.status_code == 400
    assert "Only PDF, JPEG or PNG files are accepted" in response.content.decode()
    waiting_case.refresh_from_db()
    assert waiting_case.status == "awaiting_merchant"
    assert not Upload.objects.exists()
    assert not CaseMessage.objects.filter(author_kind="merchant").exists()


def test_an_answer_when_nobody_asked_is_refused_and_stores_no_file(
    client_for, agent, merchant_a, owner_a, settings
):
    case = CaseFactory(merchant=merchant_a)
    services.assign(case=case, to=agent)
    response = client_for(owner_a).post(
        f"/merchant/complaints/{case.pk}/answer/",
        {"answer-text": "Unprompted", "answer-files": files.pdf()},
    )
    assert response.status_code == 400
    assert "Not possible while the case is “Assigned”." in response.content.decode()
    assert not Upload.objects.exists()
    stored = (
        list((settings.PRIVATE_MEDIA_ROOT).rglob("*"))
        if settings.PRIVATE_MEDIA_ROOT.exists()
        else []
    )
    assert not [p for p in stored if p.is_file()]


def test_the_merchant_proposes_an_outcome_and_staff_see_it(
    client_for, waiting_case, owner_a, agent
):
    response = client_for(owner_a).post(
        f"/merchant/complaints/{waiting_case.pk}/propose/",
        {"proposal-outcome": "exchange", "proposal-note": "New unit ships within 48 h"},
        follow=True,
    )
    assert "Your proposal is sent to Consumer Service." in response.content.decode()
    proposal = decisions_for(waiting_case).get(action="merchant_proposal")
    assert (proposal.actor, proposal.data["outcome"]) == (owner_a, "exchange")
    waiting_case.refresh_from_db()
    assert waiting_case.status == "awaiting_merchant"  # a proposal decides nothing

    empty = client_for(owner_a).post(
        f"/merchant/complaints/{waiting_case.pk}/propose/",
        {"proposal-outcome": "rejected", "proposal-note": "No"},
    )
    assert empty.status_code == 400

    staff_page = client_for(agent).get(f"/staff/complaints/{waiting_case.pk}/")
    assert "New unit ships within 48 h" in staff_page.content.decode()
    assert [p.outcome_label for p in staff_page.context["proposals"]] == ["Exchange"]


def test_the_portal_is_for_merchant_users_only(client, client_for, agent, waiting_case):
    assert client.get("/merchant/complaints/").status_code == 302
    assert client_for(agent).get("/merchant/complaints/").status_code == 403
    assert client_for(agent).get(f"/merchant/complaints/{waiting_case.pk}/").status_code == 403
