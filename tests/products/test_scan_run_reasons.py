"""Why a claim-list rescan was asked for is stored as a code plus parameters and read in each
reader's language, in the admin and the API; old runs stored as text in either language are
converted (issue 19)."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from products import reason_texts, services
from products.models import ClaimCategory, ClaimPhrase, ClaimTerm, ScanRun
from tests.factories.core import UserFactory
from tests.languages import in_both

pytestmark = pytest.mark.django_db
backfill = importlib.import_module("products.migrations.0014_scan_run_reason_codes").backfill


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_list_actions_store_a_code_read_in_each_language(admin_client):
    term = ClaimTerm.objects.create(text="寰宇第一", category=ClaimCategory.SUPERLATIVE)
    other = ClaimTerm.objects.create(text="宇内无敌", category=ClaimCategory.SUPERLATIVE)
    changelist = reverse("admin:products_claimterm_changelist")
    admin_client.post(changelist, {"action": "deactivate", "_selected_action": [term.pk, other.pk]})
    switched = ScanRun.objects.first()
    assert (switched.reason, switched.reason_code, switched.reason_params) == (
        "",
        reason_texts.LIST_ENTRIES_SWITCHED,
        {"n": 2},
    )
    assert in_both(lambda: switched.reason_text) == (
        "2 list entries switched",
        "已切换 2 个词表条目",
    )
    admin_client.post(reverse("admin:products_claimterm_delete", args=[term.pk]), {"post": "yes"})
    deleted = ScanRun.objects.first()
    assert (deleted.reason, deleted.reason_code) == ("", reason_texts.LIST_ENTRY_DELETED)
    assert in_both(lambda: deleted.reason_text) == ("List entry deleted", "词表条目已删除")
    admin_client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"},
    )
    assert ScanRun.objects.first().reason_code == reason_texts.LIST_ENTRIES_DELETED
    admin_client.post(reverse("admin:products_scanrun_add"), {})
    requested = ScanRun.objects.first()
    assert requested.reason_code == reason_texts.REQUESTED_IN_ADMIN
    assert in_both(lambda: requested.reason_text) == ("Requested in the admin", "在管理后台发起")


def test_the_admin_shows_the_words_in_the_readers_language(admin_client):
    run = services.request_rescan(
        reason_code=reason_texts.LIST_ENTRIES_SWITCHED, reason_params={"n": 3}
    )
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    listing = admin_client.get(reverse("admin:products_scanrun_changelist")).content.decode()
    detail = admin_client.get(
        reverse("admin:products_scanrun_change", args=[run.pk])
    ).content.decode()
    for page in (listing, detail):
        assert "已切换 3 个词表条目" in page
        assert reason_texts.LIST_ENTRIES_SWITCHED not in page


def test_list_edits_and_the_review_queue_store_codes(role_user):
    qm = role_user("quality_management")
    services.save_claim_term(
        term=ClaimTerm(text="寰宇无双", category=ClaimCategory.SUPERLATIVE), by=qm
    )
    run = ScanRun.objects.first()
    assert (run.reason_code, run.reason_params) == (reason_texts.TERM_CHANGED, {"term": "寰宇无双"})
    assert in_both(lambda: run.reason_text) == ("Term “寰宇无双” changed", "用语“寰宇无双”已修改")
    services.save_claim_phrase(
        phrase=ClaimPhrase(text="无双牌", kind=ClaimPhrase.Kind.TRADEMARK), by=qm
    )
    run = ScanRun.objects.first()
    assert (run.reason_code, run.reason_params) == (
        reason_texts.PHRASE_CHANGED,
        {"phrase": "无双牌"},
    )


def test_the_api_gives_the_reason_in_the_requests_language(role_user):
    qm = role_user("quality_management")
    run = services.request_rescan(by=qm, reason_code=reason_texts.REQUESTED_FROM_QUEUE)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_authenticate(qm)
    body = client.get(f"/api/v1/claim-scan-runs/{run.pk}/").json()
    assert body["reason_code"] == reason_texts.REQUESTED_FROM_QUEUE
    assert body["reason_text"] == "从审核队列发起"


def test_old_runs_stored_as_text_become_codes_in_either_language():
    term_en = ScanRun.objects.create(reason="Term “第一” changed")
    switched_zh = ScanRun.objects.create(reason="已切换 4 个词表条目")
    deleted_zh = ScanRun.objects.create(reason="词表条目已删除")
    queue = ScanRun.objects.create(reason="Requested from the review queue")
    typed = ScanRun.objects.create(reason="Weekly check")
    backfill(apps, SimpleNamespace(connection=connection))
    for run in (term_en, switched_zh, deleted_zh, queue, typed):
        run.refresh_from_db()
    assert (term_en.reason, term_en.reason_code, term_en.reason_params) == (
        "",
        reason_texts.TERM_CHANGED,
        {"term": "第一"},
    )
    assert in_both(lambda: term_en.reason_text) == ("Term “第一” changed", "用语“第一”已修改")
    assert in_both(lambda: switched_zh.reason_text) == (
        "4 list entries switched",
        "已切换 4 个词表条目",
    )
    assert deleted_zh.reason_code == reason_texts.LIST_ENTRIES_DELETED
    assert queue.reason_code == reason_texts.REQUESTED_FROM_QUEUE
    assert (typed.reason, typed.reason_code, typed.reason_text) == (
        "Weekly check",
        "",
        "Weekly check",
    )
