"""The public transparency page: published reports only, platform-level figures, no
personal data, cached per language and refreshed on publish."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from reports.models.snapshots import QuarterlyReport
from reports.services import snapshots as services
from tests.reports.snapshot_quarter import (
    AS_OF,
    CONSUMER_EMAIL,
    CONSUMER_NAME,
    CONSUMER_PHONE,
    MERCHANT_CONTACT,
    MERCHANT_EMAIL,
    MERCHANT_PHONE,
    quarter_fixture,  # noqa: F401 - the `quarter` fixture
)
from tests.visitors import token_accepted, visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(role_user):
    return role_user("quality_manager")


def make_report(manager, capture, quarter_number=2) -> QuarterlyReport:
    with time_machine.travel(AS_OF, tick=False), capture(execute=True):
        snapshot = services.request_snapshot(year=2026, quarter=quarter_number, by=manager)
    return QuarterlyReport.objects.get(snapshot=snapshot)


@pytest.fixture
def published(quarter, manager, django_capture_on_commit_callbacks):
    report = make_report(manager, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_report(report=report, by=manager)
    return report


PERSONAL = [
    CONSUMER_EMAIL,
    CONSUMER_NAME,
    CONSUMER_PHONE,
    MERCHANT_CONTACT,
    MERCHANT_EMAIL,
    MERCHANT_PHONE,
    "Alpha Trading Co.",
    "Beta Goods Co.",
]


def test_draft_reports_are_not_public(client, quarter, manager, django_capture_on_commit_callbacks):
    make_report(manager, django_capture_on_commit_callbacks)
    page = client.get(reverse("reports:public-index")).content.decode()
    assert "2026 Q2" not in page
    assert client.get(reverse("reports:public-report", args=[2026, 2])).status_code == 404
    url = reverse("reports:public-download", args=[2026, 2, "en", "csv"])
    assert client.get(url).status_code == 404


def test_public_page_shows_platform_figures_and_charts_without_personal_data(client, published):
    for language in ("en", "zh-hans"):
        for url in (
            reverse("reports:public-index"),
            reverse("reports:public-report", args=[2026, 2]),
        ):
            page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
            assert page.count("<svg") == 3
            assert "66.7%" in page
            for text in PERSONAL:
                assert text not in page
    english = client.get(reverse("reports:public-index"), HTTP_ACCEPT_LANGUAGE="en").content
    chinese = client.get(reverse("reports:public-index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content
    assert b"Complaints filed" in english
    assert "受理投诉数".encode() in chinese


def test_public_downloads_have_no_scorecards(client, published):
    for language in ("en", "zh-hans"):
        for file_format in ("csv", "pdf"):
            url = reverse("reports:public-download", args=[2026, 2, language, file_format])
            response = client.get(url)
            assert response.status_code == 200
            if file_format == "csv":
                text = response.content.decode("utf-8-sig")
                for personal in PERSONAL:
                    assert personal not in text


def test_second_hit_is_served_from_the_cache_without_queries(
    client, published, django_assert_num_queries
):
    for language in ("en", "zh-hans"):
        for url in (
            reverse("reports:public-index"),
            reverse("reports:public-report", args=[2026, 2]),
        ):
            first = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            with django_assert_num_queries(0):
                second = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            assert second.status_code == 200
            assert second.content.count(b"<svg") == first.content.count(b"<svg") == 3


def test_publishing_refreshes_the_cached_page(
    client, published, manager, django_capture_on_commit_callbacks
):
    index = reverse("reports:public-index")
    assert (
        b"2026 Q1"
        not in client.get(index, HTTP_ACCEPT_LANGUAGE="en").content.split(b"Published reports")[-1]
    )
    q1 = make_report(manager, django_capture_on_commit_callbacks, quarter_number=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_report(report=q1, by=manager)
    for language in ("en", "zh-hans"):
        listing = client.get(index, HTTP_ACCEPT_LANGUAGE=language).content
        assert reverse("reports:public-report", args=[2026, 1]).encode() in listing


def test_a_cached_transparency_page_gives_each_visitor_their_own_header_and_token(
    published, manager, django_assert_num_queries
):
    url = reverse("reports:public-index")
    member = Client(enforce_csrf_checks=True)
    member.force_login(manager)
    member_zh, member_token = visit(member, url, "zh-hans")
    assert manager.get_username() in member_zh and "退出登录" in member_zh

    stranger = Client(enforce_csrf_checks=True)
    with django_assert_num_queries(0):
        stranger_zh, stranger_token = visit(stranger, url, "zh-hans")
    assert stranger_zh.count("<svg") == member_zh.count("<svg") == 3
    assert manager.get_username() not in stranger_zh and "退出登录" not in stranger_zh
    assert stranger_token != member_token and not token_accepted(stranger, member_token)
    assert token_accepted(stranger, stranger_token)

    member_en, member_token_en = visit(member, url, "en")
    assert manager.get_username() in member_en and "Log out" in member_en
    assert 'lang="en"' in member_en and token_accepted(member, member_token_en)
    assert "Log out" not in visit(Client(), url, "en")[0]
