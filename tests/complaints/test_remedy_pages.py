"""Remedy edges: the staff panel on the case page (grant, done, failed), the consumer's
case page, the merchant portal (its own remedies to pay, done with proof), the API
(scoped, permission-checked) and the admin. Each calls complaints.services.remedies."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from complaints.models import Recovery, Remedy
from tests import files
from tests.factories.complaints import CaseFactory
from tests.factories.remedies import RemedyFactory
from tests.factories.reviews import PurchaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(merchant_a):
    purchase = PurchaseFactory(product__merchant=merchant_a, quantity=2)
    return CaseFactory(merchant=merchant_a, order_number=purchase.order_number)


@pytest.fixture
def signed_in(client):
    def login(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return login


def _due():
    return (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")


def test_the_staff_case_page_shows_the_panel_and_grants_a_remedy(signed_in, agent, case):
    client = signed_in(agent)
    page = client.get(reverse("complaints:staff-case", args=[case.pk])).content.decode()
    assert 'data-testid="remedies-panel"' in page
    assert 'data-testid="remedy-grant-form"' in page
    response = client.post(
        reverse("complaints:remedy-grant", args=["case", case.pk]),
        {
            "remedy-kind": "refund",
            "remedy-amount": "150.00",
            "remedy-currency": "CNY",
            "remedy-payer": "merchant",
            "remedy-due_at": _due(),
        },
    )
    assert response.status_code == 302
    remedy = Remedy.objects.get()
    assert remedy.amount == 150 and remedy.case == case
    page = client.get(reverse("complaints:staff-case", args=[case.pk])).content.decode()
    assert "150.00 CNY" in page


def test_the_grant_form_shows_the_services_field_errors(signed_in, agent, case):
    response = signed_in(agent).post(
        reverse("complaints:remedy-grant", args=["case", case.pk]),
        {
            "remedy-kind": "refund",
            "remedy-amount": "500.00",
            "remedy-currency": "CNY",
            "remedy-payer": "merchant",
            "remedy-due_at": _due(),
        },
    )
    assert response.status_code == 400
    assert "a supervisor must give the reason" in response.content.decode()
    assert not Remedy.objects.exists()


def test_staff_record_done_with_proof_and_a_final_state_cannot_move(signed_in, agent, case):
    remedy = RemedyFactory(case=case, by=agent)
    client = signed_in(agent)
    url = reverse("complaints:remedy-action", args=[remedy.pk, "done"])
    response = client.post(url, {"done-proof_reference": ""})
    assert response.status_code == 400
    assert "Give a proof reference or attach a proof file." in response.content.decode()
    response = client.post(url, {"done-proof_file": files.png("proof.png")})
    assert response.status_code == 302
    remedy.refresh_from_db()
    assert remedy.status == Remedy.Status.DONE and remedy.proof is not None
    response = client.post(
        reverse("complaints:remedy-action", args=[remedy.pk, "failed"]), {"failed-reason": "x"}
    )
    assert response.status_code == 400
    assert "already “Done”; it cannot change again" in response.content.decode()
    remedy.refresh_from_db()
    assert remedy.status == Remedy.Status.DONE


def test_the_consumer_sees_the_remedies_granted_in_words(client, agent, case):
    RemedyFactory(case=case, by=agent, amount="80.00")
    page = client.get(
        reverse("complaints:case", args=[case.tracking_token]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'data-testid="consumer-remedy"' in page
    assert "Refund" in page and "80.00 CNY" in page and "Promised" in page
    page = client.get(
        reverse("complaints:case", args=[case.tracking_token]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "已承诺" in page


def test_the_merchant_records_done_with_proof_for_its_own_remedy_only(
    signed_in, agent, case, owner_a, owner_b
):
    remedy = RemedyFactory(case=case, by=agent)
    client = signed_in(owner_b)
    assert "50.00" not in client.get(reverse("complaints:portal-remedies")).content.decode()
    url = reverse("complaints:portal-remedy-done", args=[remedy.pk])
    assert client.post(url, {f"done-{remedy.pk}-proof_reference": "TX"}).status_code == 404
    client = signed_in(owner_a)
    assert "50.00" in client.get(reverse("complaints:portal-remedies")).content.decode()
    bad = client.post(url, {f"done-{remedy.pk}-proof_file": files.upload("x.png", b"nope")})
    assert bad.status_code == 400
    response = client.post(url, {f"done-{remedy.pk}-proof_reference": "ALIPAY-123"})
    assert response.status_code == 302
    remedy.refresh_from_db()
    assert remedy.status == Remedy.Status.DONE and remedy.proof_reference == "ALIPAY-123"


def test_the_api_grants_scopes_and_moves_remedies(agent, case, owner_a, owner_b, merchant_a):
    staff = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_authenticate(agent)
    due = (timezone.now() + timedelta(days=2)).isoformat()
    body = {"case": case.pk, "kind": "refund", "amount": "-1", "payer": "merchant", "due_at": due}
    refused = staff.post("/api/v1/remedies/", body, format="json")
    assert refused.status_code == 400
    assert "amount" in refused.json()
    body["amount"] = "60.00"
    created = staff.post("/api/v1/remedies/", body, format="json")
    assert created.status_code == 201, created.content
    remedy_id = created.json()["id"]
    assert created.json()["status_label"] == "Promised"

    b = APIClient()
    b.force_authenticate(owner_b)
    assert b.get(f"/api/v1/remedies/{remedy_id}/").status_code == 404
    assert b.get("/api/v1/remedies/").json()["results"] == []
    a = APIClient()
    a.force_authenticate(owner_a)
    assert [r["id"] for r in a.get("/api/v1/remedies/").json()["results"]] == [remedy_id]
    assert a.post(f"/api/v1/remedies/{remedy_id}/failed/", {"reason": "x"}).status_code == 403
    done = a.post(f"/api/v1/remedies/{remedy_id}/done/", {"proof_reference": "TX-77"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = staff.post(f"/api/v1/remedies/{remedy_id}/failed/", {"reason": "x"}, format="json")
    assert again.status_code == 409
    listed = staff.get("/api/v1/remedies/", {"status": "done", "merchant": merchant_a.pk})
    assert [r["id"] for r in listed.json()["results"]] == [remedy_id]


def test_the_api_lets_the_platform_pay_first_and_a_manager_settle(agent, case, role_user):
    remedy = RemedyFactory(case=case, by=agent)
    staff = APIClient()
    staff.force_authenticate(agent)
    moved = staff.post(f"/api/v1/remedies/{remedy.pk}/platform-pays-first/")
    assert moved.status_code == 200 and moved.json()["payer"] == "platform"
    recovery = Recovery.objects.get(remedy=remedy)
    assert staff.post(f"/api/v1/recoveries/{recovery.pk}/settle/").status_code == 403
    manager = APIClient()
    manager.force_authenticate(role_user("quality_manager"))
    settled = manager.post(
        f"/api/v1/recoveries/{recovery.pk}/settle/", {"reference": "DEDUCT-1"}, format="json"
    )
    assert settled.status_code == 200 and settled.json()["status"] == "settled"


def test_the_admin_lists_remedies_with_filters(client, agent, case):
    from tests.factories.core import UserFactory

    RemedyFactory(case=case, by=agent)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get("/admin/complaints/remedy/", {"status__exact": "promised"})
    assert response.status_code == 200
    assert "50.00" in response.content.decode()


def test_the_admin_action_lets_the_platform_pay_first_and_skips_the_others(client, agent, case):
    from django.utils import translation

    from complaints.models import Recovery, Remedy
    from complaints.services import remedies as remedy_services
    from tests.factories.core import UserFactory

    owed = RemedyFactory(case=case, by=agent)
    done = RemedyFactory(case=case, by=agent, amount="10.00")
    remedy_services.mark_done(remedy=done, by=agent, proof_reference="TX-1")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/complaints/remedy/",
        {"action": "platform_pays", "_selected_action": [owed.pk, done.pk]},
        follow=True,
    )
    owed.refresh_from_db()
    assert owed.payer == Remedy.Payer.PLATFORM and owed.platform_paid_first
    assert list(Recovery.objects.values_list("remedy_id", flat=True)) == [owed.pk]
    shown = [str(m) for m in response.context["messages"]]
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        assert translation.gettext("%(n)d remedies taken over by the platform.") % {"n": 1} in shown
