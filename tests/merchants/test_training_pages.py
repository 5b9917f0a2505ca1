"""Training pages and API: the portal's training due, modules, quiz, certificate; staff's
own training and the supervisors' completion page."""

import pytest
from django.test import Client

from merchants.services import training
from tests.factories import MerchantFactory
from tests.merchants.training_helpers import department, published

pytestmark = pytest.mark.django_db


@pytest.fixture
def mm(role_user):
    return role_user("merchant_management")


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def test_overview_lists_training_due_and_the_quiz_completes_with_a_certificate(mm, owner_a):
    p = published(mm, title="Food safety basics", questions=1, pass_mark=100)
    c = _client(owner_a)
    home = c.get("/merchant/").content.decode()
    assert "Food safety basics" in home and 'data-testid="training-due"' in home
    assignment = p.assignments.get(merchant=owner_a.membership.merchant)
    url = f"/merchant/training/{assignment.pk}/"
    assert c.post(url).status_code == 302
    quiz = c.get(url + "quiz/")
    assert quiz.status_code == 200
    token = quiz.context["window"]["token"]
    question = p.questions.get()
    c.post(url + "quiz/", {"token": token, f"q{question.pk}": question.correct_choice})
    assignment.refresh_from_db()
    assert assignment.status == "completed"
    pdf = c.get(url + "certificate.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_another_merchant_gets_404_for_the_assignment(mm, owner_a, owner_b):
    p = published(mm)
    assignment = p.assignments.get(merchant=owner_a.membership.merchant)
    assert _client(owner_b).get(f"/merchant/training/{assignment.pk}/").status_code == 404


def test_staff_take_their_training_and_supervisors_see_completion(mm, role_user):
    agent = role_user("consumer_service", first_name="Li", last_name="Na")
    p = published(
        mm, title="Complaint handling", audience="staff", department=department("consumer_service")
    )
    assignment = p.assignments.get(user=agent)
    c = _client(agent)
    assert "Complaint handling" in c.get("/staff/training/mine/").content.decode()
    c.post(f"/staff/training/mine/{assignment.pk}/")
    assignment.refresh_from_db()
    assert assignment.status == "completed"
    page = _client(role_user("quality_manager")).get("/staff/training/").content.decode()
    assert "Complaint handling" in page and "100%" in page
    # The audience names the department in words, never its group code.
    assert "消费者服务部" in page and "consumer_service" not in page
    assert _client(agent).get("/staff/training/").status_code == 403


def test_api_assignments_are_scoped_and_the_quiz_answers_through_a_token(mm, owner_a, owner_b):
    from rest_framework.test import APIClient

    published(mm, questions=1, pass_mark=100)
    MerchantFactory(status="active")
    api = APIClient()
    api.force_authenticate(owner_a)
    rows = api.get("/api/v1/training/assignments/").json()["results"]
    assert [r["merchant"] for r in rows] == [owner_a.membership.merchant.pk]
    pk = rows[0]["id"]
    assert api.post(f"/api/v1/training/assignments/{pk}/finish-modules/").status_code == 200
    started = api.post(f"/api/v1/training/assignments/{pk}/start-quiz/").json()
    question = started["questions"][0]
    answer = api.post(
        f"/api/v1/training/assignments/{pk}/quiz/",
        {"token": started["token"], "answers": {str(question["id"]): 2}},
        format="json",
    )
    assert answer.status_code == 200 and answer.json()["passed"] is True
    forged = api.post(
        f"/api/v1/training/assignments/{pk}/quiz/",
        {"token": "forged", "answers": {str(question["id"]): 2}},
        format="json",
    )
    assert forged.status_code == 400
    other = APIClient()
    other.force_authenticate(owner_b)
    assert other.get(f"/api/v1/training/assignments/{pk}/").status_code == 404
    assert training.assignments_visible_to(owner_b).filter(pk=pk).count() == 0


def test_merchant_registers_for_a_session_through_the_api(mm, owner_a):
    import datetime as dt

    from django.utils import timezone
    from rest_framework.test import APIClient

    from tests.factories.merchants import TrainingSessionFactory

    session = TrainingSessionFactory(
        kind="exchange",
        is_onboarding=False,
        capacity=5,
        starts_at=timezone.now() + dt.timedelta(days=4),
    )
    api = APIClient()
    api.force_authenticate(owner_a)
    response = api.post(f"/api/v1/training/sessions/{session.pk}/register/")
    assert response.status_code == 201 and response.json()["seats_left"] == 4
    assert api.post(f"/api/v1/training/sessions/{session.pk}/register/").status_code == 400


def test_staff_register_for_a_staff_session_on_their_training_page(role_user):
    import datetime as dt

    from django.utils import timezone

    from merchants.models import TrainingAttendance
    from tests.factories.merchants import TrainingSessionFactory

    agent = role_user("consumer_service")
    session = TrainingSessionFactory(
        title="Case review",
        for_staff=True,
        is_onboarding=False,
        starts_at=timezone.now() + dt.timedelta(days=2),
    )
    c = _client(agent)
    assert "Case review" in c.get("/staff/training/mine/").content.decode()
    assert c.post("/staff/training/mine/", {"session": session.pk}).status_code == 302
    assert TrainingAttendance.objects.filter(session=session, attendee=agent).exists()
