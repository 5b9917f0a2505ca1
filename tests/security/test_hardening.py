"""Regression tests for the security probe's findings (issue 16)."""

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from core.roles import Role
from merchants.models import Membership, Merchant
from tests.factories import CategoryFactory, MembershipFactory, UserFactory
from tests.merchants.onboarding_helpers import valid_code

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- finding 1: names that would break an e-mail header are refused at input ----------------
def test_sign_up_through_the_api_refuses_a_legal_name_with_a_line_break():
    response = api(UserFactory()).post(
        "/api/v1/merchants/",
        {
            "legal_name": "Evil Ltd\r\nBcc: victim@example.test",
            "credit_code": valid_code(41),
            "contact_name": "Li",
            "contact_email": "li@example.test",
            "categories": [CategoryFactory().pk],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "legal_name" in response.json()
    assert not Merchant.objects.filter(credit_code=valid_code(41)).exists()


# --- finding 3: staff and merchant membership are exclusive --------------------------------
@pytest.mark.parametrize(
    "role", [Role.CONSUMER_SERVICE, Role.QUALITY_MANAGEMENT, Role.DATA_ANALYSIS]
)
def test_staff_of_any_department_cannot_register_a_merchant_through_the_api(role, role_user):
    staff = role_user(role)
    response = api(staff).post(
        "/api/v1/merchants/",
        {
            "legal_name": "Side Business",
            "credit_code": valid_code(42),
            "contact_name": "Li",
            "contact_email": "li@example.test",
            "categories": [CategoryFactory().pk],
        },
        format="json",
    )
    assert response.status_code in (400, 403), response.json()
    assert "categories" not in response.json()
    assert not Membership.objects.filter(user=staff).exists()
    assert not Merchant.objects.filter(credit_code=valid_code(42)).exists()


def test_the_database_refuses_a_membership_for_a_staff_account(role_user, merchant_a):
    staff = role_user(Role.CONSUMER_SERVICE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=staff, merchant=merchant_a, role="staff")
    flagged = UserFactory(is_staff=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=flagged, merchant=merchant_a, role="staff")


def test_the_database_refuses_a_staff_role_or_flag_for_a_merchant_user(owner_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        owner_a.groups.add(Group.objects.get(name=Role.QUALITY_MANAGEMENT))
    owner_a.is_staff = True
    with pytest.raises(IntegrityError), transaction.atomic():
        owner_a.save()
    # A non-staff group is fine.
    owner_a.groups.add(Group.objects.create(name="newsletter"))


def test_the_user_admin_refuses_a_staff_role_for_a_merchant_user(admin_client, owner_a):
    group = Group.objects.get(name=Role.CONSUMER_SERVICE)
    page = admin_client.get(f"/admin/core/user/{owner_a.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        username=owner_a.username,
        groups=[group.pk],
        date_joined_0="2026-01-01",
        date_joined_1="00:00:00",
        is_active="on",
        preferred_language="en",
    )
    data.pop("user_permissions", None)
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = admin_client.post(
        f"/admin/core/user/{owner_a.pk}/change/", data, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "cannot be platform staff" in response.content.decode()
    assert not owner_a.groups.filter(name=Role.CONSUMER_SERVICE).exists()


def test_the_merchant_admin_refuses_to_add_a_staff_account_as_member(role_user, merchant_a):
    from merchants.admin.onboarding import MembershipInlineForm

    staff = role_user(Role.QUALITY_MANAGEMENT)
    form = MembershipInlineForm(
        data={"user": staff.pk, "role": "staff"}, instance=Membership(merchant=merchant_a)
    )
    assert not form.is_valid()
    assert "user" in form.errors
    consumer = UserFactory()
    form = MembershipInlineForm(
        data={"user": consumer.pk, "role": "staff"}, instance=Membership(merchant=merchant_a)
    )
    assert form.is_valid(), form.errors


def test_existing_member_keeps_working(owner_a):
    # The factory path (no staff flag) is unaffected by the constraint.
    assert MembershipFactory().user.membership is not None


# --- finding 4: team membership by invitation, one neutral answer, rate-limited ------------
def _team_post(client, owner, identifier):
    client.force_login(owner)
    return client.post(
        "/merchant/team/", {"identifier": identifier}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )


def test_an_owner_cannot_bind_a_free_account_without_its_consent(client, owner_a):
    free = UserFactory(username="free-account")
    _team_post(client, owner_a, "free-account")
    assert not Membership.objects.filter(user=free).exists()


def test_the_team_page_answers_the_same_whatever_the_account_state(
    client, owner_a, owner_b, role_user
):
    UserFactory(username="free-account")
    role_user(Role.CONSUMER_SERVICE, username="platform-staff")
    bodies = {}
    for name in ["no-such-account", "free-account", "platform-staff", owner_b.username]:
        response = _team_post(client, owner_a, name)
        assert response.status_code == 200
        text = response.content.decode()
        assert name in text  # listed among the open invitations, like every other
        bodies[name] = text.replace(name, "NAME")
    messages = {
        body[body.index('class="messages"') :][:400] if 'class="messages"' in body else body
        for body in bodies.values()
    }
    assert len(messages) == 1, messages


def test_only_the_invited_free_account_is_told_and_can_accept(client, owner_a, merchant_a):
    from core.models import Alert
    from merchants.models import TeamInvitation

    free = UserFactory(username="free-account", email="free@example.test")
    _team_post(client, owner_a, "FREE@example.test")
    alert = Alert.objects.get(kind="team_invitation", recipient_user=free)
    assert alert.url == "/merchant/invitations/"
    invitation = TeamInvitation.objects.get(invitee=free)
    # Someone else cannot accept it.
    other = UserFactory()
    client.force_login(other)
    response = client.post(f"/merchant/invitations/{invitation.pk}/", {"decision": "accept"})
    assert response.status_code == 404
    client.force_login(free)
    client.post(f"/merchant/invitations/{invitation.pk}/", {"decision": "accept"})
    assert Membership.objects.get(user=free).merchant == merchant_a
    # A second acceptance does nothing more.
    client.post(f"/merchant/invitations/{invitation.pk}/", {"decision": "accept"})
    assert Membership.objects.filter(user=free).count() == 1


def test_staff_and_other_merchants_users_get_no_invitation_they_could_accept(
    client, owner_a, owner_b, role_user
):
    from merchants.models import TeamInvitation

    staff = role_user(Role.QUALITY_MANAGEMENT, username="platform-staff")
    _team_post(client, owner_a, "platform-staff")
    _team_post(client, owner_a, owner_b.username)
    assert TeamInvitation.objects.filter(merchant__memberships__user=owner_a).count() == 2
    assert not TeamInvitation.objects.filter(invitee__in=[staff, owner_b]).exists()


def test_invitations_are_rate_limited_per_merchant(client, owner_a):
    from merchants.models import TeamInvitation
    from merchants.services.onboarding import INVITATIONS_PER_HOUR

    for i in range(INVITATIONS_PER_HOUR):
        _team_post(client, owner_a, f"probe-{i}")
    response = _team_post(client, owner_a, "probe-last")
    assert "Too many invitations" in response.content.decode()
    assert TeamInvitation.objects.count() == INVITATIONS_PER_HOUR


# --- finding 5: one safe-redirect helper for every `next` ----------------------------------
EXTERNAL_TARGETS = [
    "https://evil.example/phish",
    "//evil.example/",
    "/\\evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
]
ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
APPS = ["core", "merchants", "products", "reviews", "inspections", "complaints", "reports"]


def _python_sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def _callers_of_safe_next() -> set[str]:
    """'<module path>:<function>' of every view that calls safe_next."""
    import ast

    found = set()
    for path in _python_sources():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if (
                        isinstance(inner, ast.Call)
                        and getattr(inner.func, "id", None) == "safe_next"
                        and node.name != "safe_next"
                    ):
                        found.add(f"{path.relative_to(ROOT)}:{node.name}")
    return found


def test_no_view_reads_next_without_the_safe_redirect_helper():
    import re

    direct = re.compile(r"""(GET|POST|REQUEST|data|query_params)(\.get\(|\[)\s*["']next["']""")
    offenders = [
        str(path.relative_to(ROOT))
        for path in _python_sources()
        if path.name != "web.py" and direct.search(path.read_text())
    ]
    assert offenders == []


def _document_review(client, role_user, target):
    from tests.factories.merchants import DocumentFactory

    client.force_login(role_user(Role.MERCHANT_MANAGEMENT))
    document = DocumentFactory()
    return client.post(
        f"/staff/merchants/documents/{document.pk}/review/", {"next": target, "verdict": ""}
    )


def _bulk_assign(client, role_user, target):
    client.force_login(role_user(Role.CONSUMER_SERVICE))
    return client.post("/staff/complaints/assign/", {"next": target})


def _incident_notices(client, role_user, target):
    from tests.factories.notices import QualityIncidentFactory

    client.force_login(role_user(Role.QUALITY_MANAGEMENT))
    incident = QualityIncidentFactory()
    return client.post(f"/staff/incident-notices/{incident.pk}/buyers/", {"next": target})


# Every view that calls safe_next, with a request that makes it redirect to `next`.
NEXT_READERS = {
    "complaints/views/notices.py:_back": _incident_notices,
    "merchants/views/onboarding.py:review_document": _document_review,
    "complaints/views/staff.py:bulk_assign": _bulk_assign,
}


def test_every_view_reading_next_is_tried_here():
    assert _callers_of_safe_next() == set(NEXT_READERS)


@pytest.mark.parametrize("target", EXTERNAL_TARGETS)
@pytest.mark.parametrize("view", sorted(NEXT_READERS))
def test_views_reading_next_never_redirect_off_site(client, role_user, view, target):
    response = NEXT_READERS[view](client, role_user, target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert "evil.example" not in location


def test_views_reading_next_follow_a_local_target(client, role_user):
    response = _document_review(client, role_user, "/staff/merchants/review/?page=2")
    assert response.headers["Location"] == "/staff/merchants/review/?page=2"


@pytest.mark.parametrize("target", EXTERNAL_TARGETS)
def test_login_never_redirects_off_site(client, target):
    from tests.factories.core import PASSWORD

    user = UserFactory()
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


# --- finding 6: case-link tokens never reach a log; staff revoke and reissue links ----------
def _masking_handler():
    import logging

    from core.logging import MaskTokensFilter

    handlers = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, MaskTokensFilter) for f in h.filters)
    ]
    assert handlers, "the console handler has no token-masking filter"
    return handlers[0]


def test_a_case_token_in_a_request_warning_is_masked_in_the_log(client):
    import io

    token = "SeCrEtToKeN-abcdefghijklmnopqrstuvwxyz0123"
    handler = _masking_handler()
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        assert client.get(f"/complaints/case/{token}/").status_code == 404
        assert client.get(f"/review/{token}/?x=1").status_code == 404
    finally:
        handler.setStream(old)
    text = stream.getvalue()
    assert "Not Found" in text and "/complaints/case/[masked]/" in text
    assert token not in text


def test_runserver_and_gunicorn_access_lines_are_masked():
    import logging
    from datetime import timedelta
    from types import SimpleNamespace

    from core.logging import GunicornLogger, MaskTokensFilter, mask_tokens

    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s %s',
        ("GET /complaints/case/abcDEF123_-x/reply/ HTTP/1.1", "200", "5"), None,
    )  # fmt: skip
    MaskTokensFilter().filter(record)
    assert "abcDEF123" not in record.getMessage()
    assert mask_tokens("/review/tok/") == "/review/[masked]/"

    logger = GunicornLogger(SimpleNamespace(**_gunicorn_cfg()))
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/complaints/case/abcDEF123/",
        "PATH_INFO": "/complaints/case/abcDEF123/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://shop.test/complaints/case/abcDEF123/",
    }
    atoms = logger.atoms(
        SimpleNamespace(status="200 OK", sent=1, headers=[]), SimpleNamespace(headers=[]), environ,
        timedelta(seconds=0),
    )  # fmt: skip
    assert all("abcDEF123" not in str(v) for v in atoms.values())


def _gunicorn_cfg():
    from gunicorn.config import Config

    cfg = Config()
    return {name: setting.get() for name, setting in cfg.settings.items()} | {
        "logconfig_dict": {},
        "logconfig_json": None,
        "logconfig": None,
        "syslog": False,
        "errorlog": "-",
        "accesslog": None,
        "loglevel": "info",
        "capture_output": False,
        "user": 0,
        "group": 0,
        "disable_redirect_access_to_syslog": False,
        "access_log_format": cfg.access_log_format,
        "dogstatsd_tags": "",
        "statsd_host": None,
    }


def test_staff_revoke_a_case_link_and_the_consumer_gets_a_new_one(
    client, role_user, merchant_a, django_capture_on_commit_callbacks
):
    from django.core import mail

    from tests.factories.complaints import CaseFactory

    case = CaseFactory(merchant=merchant_a, consumer_email="consumer@shop.test")
    old = case.tracking_token
    assert client.get(f"/complaints/case/{old}/").status_code == 200
    client.force_login(role_user(Role.CONSUMER_SERVICE))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/staff/complaints/{case.pk}/link/reissue/")
    assert response.status_code == 302
    client.logout()
    assert client.get(f"/complaints/case/{old}/").status_code == 404
    sent = [m for m in mail.outbox if "consumer@shop.test" in m.to]
    assert len(sent) == 1
    new_path = next(w for w in sent[0].body.split() if "/complaints/case/" in w)
    new_path = new_path[new_path.index("/complaints/case/") :]
    assert client.get(new_path).status_code == 200


def test_only_complaint_handlers_may_reissue_a_case_link(client, role_user, owner_a, merchant_a):
    from tests.factories.complaints import CaseFactory

    case = CaseFactory(merchant=merchant_a)
    for user in [role_user(Role.QUALITY_MANAGEMENT), owner_a]:
        client.force_login(user)
        assert client.post(f"/staff/complaints/{case.pk}/link/reissue/").status_code == 403
    client.logout()
    assert client.post(f"/staff/complaints/{case.pk}/link/reissue/").status_code == 302
    token = case.tracking_token
    assert client.get(f"/complaints/case/{token}/").status_code == 200


# --- finding 7: /health/ bare and cached for anonymous callers; live and ready split ---------
@pytest.fixture
def fresh_health():
    from core.views import HealthView

    HealthView._cache.clear()
    yield
    HealthView._cache.clear()


def test_anonymous_health_is_a_bare_status_without_component_names(client, fresh_health):
    response = client.get("/health/", HTTP_ACCEPT="application/json")
    assert response.status_code in (200, 503)
    body = response.json()
    assert set(body) == {"status"}
    text = response.content.decode()
    assert "Celery" not in text and "0x" not in text and "Database" not in text


def test_anonymous_health_is_cached_for_a_few_seconds(client, fresh_health):
    from unittest import mock

    from health_check.checks import Database

    with mock.patch.object(Database, "run", autospec=True, return_value=None) as run:
        client.get("/health/ready/")
        client.get("/health/ready/")
        client.get("/health/ready/")
    assert run.call_count == 1


def test_health_details_for_staff_or_the_configured_token(client, settings, fresh_health):
    settings.HEALTH_TOKEN = "probe-secret"
    response = client.get(
        "/health/", HTTP_ACCEPT="application/json", HTTP_X_HEALTH_TOKEN="probe-secret"
    )
    assert any("Database" in k for k in response.json())
    wrong = client.get("/health/", HTTP_ACCEPT="application/json", HTTP_X_HEALTH_TOKEN="nope")
    assert set(wrong.json()) == {"status"}
    client.force_login(UserFactory(is_staff=True))
    staff = client.get("/health/ready/", HTTP_ACCEPT="application/json")
    assert any("Cache" in k for k in staff.json())


def test_liveness_and_readiness_answer_without_the_worker(client, fresh_health):
    assert client.get("/health/live/").json() == {"status": "ok"}
    ready = client.get("/health/ready/")
    assert ready.status_code == 200 and ready.json() == {"status": "ok"}


# --- finding 8: lockout per address across usernames (password spraying) ---------------------
def test_one_address_trying_many_usernames_is_locked_out(client, settings):
    from tests.factories.core import PASSWORD

    settings.AXES_ENABLED = True
    victim = UserFactory(username="victim")
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/",
            {"username": f"sprayed-{i}", "password": "Winter2026!"},
            REMOTE_ADDR="203.0.113.9",
        )
    locked = client.post(
        "/accounts/login/",
        {"username": victim.username, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.9",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not affected.
    other = client.post(
        "/accounts/login/",
        {"username": victim.username, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.7",
    )
    assert other.status_code == 302
