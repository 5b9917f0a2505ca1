"""Public quality notices of confirmed incidents (issue 18, item 5)."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from complaints.models import QualityIncident, QualityNotice
from complaints.services import quality_notices
from core.audit import decisions_for
from core.exceptions import DomainError, NotAllowed
from tests.complaints.conftest import api  # noqa: F401 (fixture)
from tests.factories import MerchantFactory, ProductFactory
from tests.factories.notices import QualityIncidentFactory
from tests.factories.reviews import PurchaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(db):
    merchant = MerchantFactory(legal_name="Acme Dairy Ltd", status="active")
    return QualityIncidentFactory(
        product=ProductFactory(merchant=merchant, title="Baby formula 900g"),
        findings="The tins hold a copy of the brand's formula.",
    )


@pytest.fixture
def quality_staff(role_user):
    return role_user("quality_management", preferred_language="en")


@pytest.fixture
def manager(role_user):
    return role_user("quality_manager", preferred_language="en")


def _published(incident, quality_staff, manager) -> QualityNotice:
    notice = quality_notices.draft_notice(incident=incident, by=quality_staff)
    return quality_notices.approve_and_publish(notice=notice, by=manager)


# --- drafting -------------------------------------------------------------------------------


def test_the_draft_is_prefilled_in_both_languages_from_public_facts(incident, quality_staff):
    buyer = PurchaseFactory(product=incident.product, consumer="secret.buyer@shop.test")
    notice = quality_notices.draft_notice(incident=incident, by=quality_staff)
    assert notice.status == "draft"
    for text in (notice.body_en, notice.body_zh_hans):
        assert "Baby formula 900g" in text and "Acme Dairy Ltd" in text
        assert "The tins hold a copy" in text
        assert buyer.consumer not in text and buyer.order_number not in text
    assert "What the platform did" in notice.body_en
    assert "What buyers can do" in notice.body_en
    assert notice.title_en == "Quality notice: Baby formula 900g"
    assert notice.title_zh_hans != notice.title_en
    assert decisions_for(notice).filter(action="draft").exists()


def test_staff_edit_the_draft_text(incident, quality_staff):
    quality_notices.draft_notice(incident=incident, by=quality_staff)
    notice = quality_notices.draft_notice(
        incident=incident, by=quality_staff, title_en="Counterfeit baby formula withdrawn"
    )
    assert notice.title_en == "Counterfeit baby formula withdrawn"
    assert QualityNotice.objects.count() == 1


def test_an_empty_text_is_refused_and_nothing_changes(incident, quality_staff):
    quality_notices.draft_notice(incident=incident, by=quality_staff)
    with pytest.raises(DomainError) as error:
        quality_notices.draft_notice(incident=incident, by=quality_staff, body_en="  ")
    assert "body_en" in error.value.message_dict
    assert QualityNotice.objects.get().body_en.strip()


@pytest.mark.parametrize("status", ["open", "contained", "dismissed"])
def test_no_notice_for_an_incident_not_confirmed(status, quality_staff):
    incident = QualityIncidentFactory(status=status)
    with translation.override("en"), pytest.raises(DomainError) as error:
        quality_notices.draft_notice(incident=incident, by=quality_staff)
    assert "confirmed" in error.value.message_dict["incident"][0]
    assert not QualityNotice.objects.exists()


def test_a_consumer_service_agent_cannot_draft(incident, role_user):
    with pytest.raises(NotAllowed):
        quality_notices.draft_notice(incident=incident, by=role_user("consumer_service"))


# --- approval -------------------------------------------------------------------------------


def test_a_quality_manager_approves_and_publishes(incident, quality_staff, manager):
    notice = _published(incident, quality_staff, manager)
    assert notice.status == "published"
    assert notice.approved_by == manager and notice.published_at is not None
    decision = decisions_for(notice).get(action="approve_and_publish")
    assert (decision.from_state, decision.to_state) == ("draft", "published")


@pytest.mark.parametrize("role", ["quality_management", "consumer_service", "data_analysis"])
def test_only_a_quality_manager_may_approve(incident, quality_staff, role_user, role):
    notice = quality_notices.draft_notice(incident=incident, by=quality_staff)
    with pytest.raises(NotAllowed):
        quality_notices.approve_and_publish(notice=notice, by=role_user(role))
    notice.refresh_from_db()
    assert notice.status == "draft" and notice.published_at is None


def test_approval_of_a_notice_whose_incident_was_reopened_is_refused(
    incident, quality_staff, manager
):
    notice = quality_notices.draft_notice(incident=incident, by=quality_staff)
    QualityIncident.objects.filter(pk=incident.pk).update(status="contained")
    with pytest.raises(DomainError):
        quality_notices.approve_and_publish(notice=notice, by=manager)
    assert QualityNotice.objects.get().status == "draft"


def test_a_published_notice_is_withdrawn_with_a_reason_and_can_be_redrafted(
    incident, quality_staff, manager
):
    notice = _published(incident, quality_staff, manager)
    with pytest.raises(DomainError):
        quality_notices.withdraw(notice=notice, by=manager, reason=" ")
    with pytest.raises(DomainError):
        quality_notices.draft_notice(incident=incident, by=quality_staff, title_en="New")
    notice = quality_notices.withdraw(notice=notice, by=manager, reason="Wrong lot named.")
    assert notice.status == "withdrawn" and notice.withdrawal_reason == "Wrong lot named."
    notice = quality_notices.draft_notice(incident=incident, by=quality_staff, title_en="Fixed")
    assert notice.status == "draft" and notice.title_en == "Fixed"


# --- staff pages ----------------------------------------------------------------------------


def test_staff_draft_and_a_manager_publishes_from_the_pages(
    incident, client, quality_staff, manager
):
    client.force_login(quality_staff)
    page = reverse("complaints:incident-notices", args=[incident.pk])
    response = client.post(reverse("complaints:incident-notice-prefill", args=[incident.pk]))
    assert response.status_code == 302 and response["Location"] == page
    notice = QualityNotice.objects.get()
    response = client.post(reverse("complaints:incident-notice-approve", args=[incident.pk]))
    assert response.status_code == 403
    client.force_login(manager)
    response = client.get(page)
    assert b'data-testid="notice-approve"' in response.content
    client.post(reverse("complaints:incident-notice-approve", args=[incident.pk]))
    notice.refresh_from_db()
    assert notice.status == "published"


def test_the_draft_form_shows_a_services_error_next_to_the_field(incident, client, quality_staff):
    quality_notices.draft_notice(incident=incident, by=quality_staff)
    client.force_login(quality_staff)
    notice = QualityNotice.objects.get()
    response = client.post(
        reverse("complaints:incident-notice-draft", args=[incident.pk]),
        {
            "title_zh_hans": notice.title_zh_hans,
            "title_en": notice.title_en,
            "body_zh_hans": notice.body_zh_hans,
            "body_en": "",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "body_en" in response.context["notice_form"].errors


def test_the_panels_render_through_the_template_tags(incident, quality_staff, rf):
    from django.template import Context, Template

    request = rf.get("/")
    request.user = quality_staff
    html = Template(
        "{% load incident_notices %}{% buyer_notices_panel incident %}"
        "{% quality_notice_panel incident %}"
    ).render(Context({"incident": incident, "request": request, "user": quality_staff}))
    assert 'data-testid="buyer-notices"' in html and 'data-testid="notice-prefill"' in html


# --- public pages ---------------------------------------------------------------------------


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run what a service schedules after its commit (pages dropping their caches)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_the_transparency_page_lists_published_notices_only(
    incident, client, quality_staff, manager, after_commit
):
    PurchaseFactory(product=incident.product, consumer="secret.buyer@shop.test")
    other = QualityIncidentFactory(product=ProductFactory(title="Draft-only kettle"))
    quality_notices.draft_notice(incident=other, by=quality_staff)
    url = reverse("reports:public-index")
    before = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No quality notice has been published." in before
    with after_commit():
        _published(incident, quality_staff, manager)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Quality notice: Baby formula 900g" in page and "Acme Dairy Ltd" in page
    assert "Draft-only kettle" not in page
    assert "secret.buyer" not in page


def test_the_notice_is_shown_in_the_readers_language(incident, client, quality_staff, manager):
    notice = _published(incident, quality_staff, manager)
    url = reverse("reports:public-index")
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.cookies.clear()
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert notice.title_en in english and notice.title_zh_hans not in english
    assert notice.title_zh_hans in chinese


def test_the_products_public_record_shows_the_notice_until_withdrawn(
    incident, client, quality_staff, manager, after_commit
):
    url = reverse("inspections:public-product", args=[incident.product_id])
    assert b"record-quality-notices" not in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content
    with after_commit():
        notice = _published(incident, quality_staff, manager)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "record-quality-notices" in page and notice.title_en in page
    with after_commit():
        quality_notices.withdraw(notice=notice, by=manager, reason="Mistaken.")
    assert b"record-quality-notices" not in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content


# --- API ------------------------------------------------------------------------------------


def test_the_api_lists_published_notices_to_anyone(incident, api, quality_staff, manager):  # noqa: F811
    _published(incident, quality_staff, manager)
    QualityIncidentFactory()
    response = api(None).get("/api/v1/quality-notices/")
    assert response.status_code == 200
    rows = response.json()["results"] if "results" in response.json() else response.json()
    assert [row["product_title"] for row in rows] == ["Baby formula 900g"]
    assert rows[0]["merchant_name"] == "Acme Dairy Ltd"
    assert "consumer" not in str(rows)


def test_the_api_drafts_and_only_a_manager_approves(incident, api, quality_staff, manager):  # noqa: F811
    response = api(quality_staff).post(
        "/api/v1/quality-notices/", {"incident": incident.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    notice_id = response.json()["id"]
    assert api(None).get(f"/api/v1/quality-notices/{notice_id}/").status_code == 404
    refused = api(quality_staff).post(f"/api/v1/quality-notices/{notice_id}/approve/")
    assert refused.status_code == 403
    approved = api(manager).post(f"/api/v1/quality-notices/{notice_id}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "published"
    assert api(None).get(f"/api/v1/quality-notices/{notice_id}/").status_code == 200


def test_the_api_refuses_a_notice_for_an_incident_not_confirmed(api, quality_staff):  # noqa: F811
    incident = QualityIncidentFactory(status="open")
    response = api(quality_staff).post(
        "/api/v1/quality-notices/", {"incident": incident.pk}, format="json"
    )
    assert response.status_code == 400
    assert "confirmed" in str(response.json()["incident"])
    assert api(None).post("/api/v1/quality-notices/", {"incident": incident.pk}).status_code in (
        401,
        403,
    )


def test_the_admin_action_publishes_drafts_and_reports_each_refusal(
    incident, quality_staff, manager, client
):
    draft = quality_notices.draft_notice(incident=incident, by=quality_staff)
    open_incident = QualityIncidentFactory(status=QualityIncident.Status.OPEN)
    refused = QualityNotice.objects.create(
        incident=open_incident,
        title_en="t",
        title_zh_hans="t",
        body_en="b",
        body_zh_hans="b",
        drafted_at=timezone.now(),
    )
    client.force_login(manager)
    response = client.post(
        reverse("admin:complaints_qualitynotice_changelist"),
        {"action": "approve", "_selected_action": [draft.pk, refused.pk]},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    draft.refresh_from_db()
    refused.refresh_from_db()
    assert draft.status == QualityNotice.Status.PUBLISHED
    assert refused.status == QualityNotice.Status.DRAFT
    assert any(m.startswith(f"{refused}: ") for m in shown), shown
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        assert translation.gettext("%(n)d quality notices published.") % {"n": 1} in shown
