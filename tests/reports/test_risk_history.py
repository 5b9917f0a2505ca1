"""The history of risk scores: the recompute appends one row per merchant whose score or
tier changed (set-based, the same statements at 3 or 30 merchants), the backfill starts
each history with the current score, and the risk page and the API show it."""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import policies
from reports.models import RiskScore, RiskScoreHistory
from reports.policies import RISK_SCORE
from reports.services.risk import recompute_scores, score_history
from tests.factories import reports as data
from tests.factories.merchants import MerchantFactory

pytestmark = pytest.mark.django_db


def history(merchant) -> list[tuple[Decimal, str]]:
    rows = RiskScoreHistory.objects.filter(merchant=merchant).order_by("computed_at", "id")
    return [(row.score, row.tier) for row in rows]


def test_a_changed_score_adds_a_row_an_unchanged_one_does_not(merchant_a, merchant_b):
    data.purchases(merchant_a, 400)
    data.complaints(merchant_a, 10)  # 25 per 1,000 -> 15.00, low
    first = recompute_scores()
    assert first.recorded == 2  # no history yet: every scored merchant gets its first row
    assert history(merchant_a) == [(Decimal("15.00"), "low")]
    assert history(merchant_b) == [(Decimal("0.00"), "low")]

    data.complaints(merchant_a, 10)  # 50 per 1,000 -> 30.00, medium
    second = recompute_scores(at=timezone.now() + timedelta(minutes=1))
    assert second.recorded == 1
    assert history(merchant_a) == [(Decimal("15.00"), "low"), (Decimal("30.00"), "medium")]
    assert history(merchant_b) == [(Decimal("0.00"), "low")]

    third = recompute_scores(at=timezone.now() + timedelta(minutes=2))
    assert third.recorded == 0
    assert RiskScoreHistory.objects.count() == 3
    newest = RiskScoreHistory.objects.filter(merchant=merchant_a).first()
    current = RiskScore.objects.get(merchant=merchant_a)
    # The newest row is the score as it was written, with its explanation.
    assert (newest.score, newest.tier, newest.factors) == (
        current.score,
        current.tier,
        current.factors,
    )
    assert newest.factors["complaint_rate"]["inputs"]["complaints"] == 20
    assert newest.policy_version_id == current.policy_version_id
    # The unchanged run keeps the row's time: when the score became what it is.
    assert newest.computed_at < current.computed_at


def test_a_tier_changed_at_the_same_score_adds_one_row(merchant_a, merchant_b):
    data.purchases(merchant_a, 400)
    data.complaints(merchant_a, 10)  # 15.00, low
    recompute_scores()
    version = policies.publish(RISK_SCORE, value={"medium_from": 15.0}, note="test")
    result = recompute_scores(at=timezone.now() + timedelta(minutes=1))
    assert result.recorded == 1  # merchant B: 0.00, still low
    assert history(merchant_a) == [(Decimal("15.00"), "low"), (Decimal("15.00"), "medium")]
    assert RiskScoreHistory.objects.filter(merchant=merchant_a).first().policy_version == version
    assert history(merchant_b) == [(Decimal("0.00"), "low")]


def test_a_merchant_back_to_live_starts_again_from_its_history(merchant_a):
    recompute_scores()
    merchant_a.status = "suspended"  # still live: still scored, same score, no new row
    merchant_a.save()
    assert recompute_scores(at=timezone.now() + timedelta(minutes=1)).recorded == 0
    assert len(history(merchant_a)) == 1


def test_a_merchant_live_again_at_the_same_score_adds_no_row(merchant_a, merchant_b):
    data.purchases(merchant_a, 400)
    data.complaints(merchant_a, 10)  # 15.00, low
    recompute_scores()
    merchant_a.status = "terminated"  # not live: its current score is removed
    merchant_a.save()
    gone = recompute_scores(at=timezone.now() + timedelta(minutes=1))
    assert (gone.removed, gone.recorded) == (1, 0)
    assert not RiskScore.objects.filter(merchant=merchant_a).exists()
    merchant_a.status = "active"  # live again, same figures: no "+0.00" row
    merchant_a.save()
    back = recompute_scores(at=timezone.now() + timedelta(minutes=2))
    assert (back.scored, back.recorded) == (2, 0)
    assert RiskScore.objects.get(merchant=merchant_a).score == Decimal("15.00")
    assert history(merchant_a) == [(Decimal("15.00"), "low")]
    assert history(merchant_b) == [(Decimal("0.00"), "low")]


def test_a_merchant_live_again_at_another_score_adds_one_row(merchant_a, merchant_b):
    data.purchases(merchant_a, 400)
    data.complaints(merchant_a, 10)  # 15.00, low
    recompute_scores()
    merchant_a.status = "terminated"
    merchant_a.save()
    recompute_scores(at=timezone.now() + timedelta(minutes=1))
    data.complaints(merchant_a, 10)  # 30.00, medium
    merchant_a.status = "active"
    merchant_a.save()
    back = recompute_scores(at=timezone.now() + timedelta(minutes=2))
    assert back.recorded == 1
    assert history(merchant_a) == [(Decimal("15.00"), "low"), (Decimal("30.00"), "medium")]
    assert [row.change for row in score_history(merchant_a.pk)] == [Decimal("15.00"), None]


def _recompute_statements(at) -> int:
    with CaptureQueriesContext(connection) as queries:
        recompute_scores(at=at)
    return len(queries)


def test_the_statements_are_the_same_for_3_and_30_merchants():
    now = timezone.now()
    for merchant in MerchantFactory.create_batch(3):
        data.purchases(merchant, 2)
    recompute_scores(at=now)  # warm: policy version, content types
    few = MerchantFactory.create_batch(3)
    for merchant in few:
        data.complaints(merchant, 1)
    small = _recompute_statements(now + timedelta(minutes=1))
    assert RiskScoreHistory.objects.count() == 6
    for merchant in MerchantFactory.create_batch(24):
        data.complaints(merchant, 2)
    for merchant in few:
        data.complaints(merchant, 1)
    large = _recompute_statements(now + timedelta(minutes=2))
    assert RiskScore.objects.count() == 30
    assert RiskScoreHistory.objects.count() == 6 + 24 + 3
    # Scores and their history in one statement, the not-live ones removed in another,
    # plus the policy, the lock and the training audience.
    assert large == small <= 7


def test_the_backfill_gives_each_current_score_one_row(merchant_a, merchant_b):
    from tests.factories.reports import RiskScoreFactory

    score = RiskScoreFactory(merchant=merchant_a)
    RiskScoreFactory(merchant=merchant_b)
    backfill = importlib.import_module("reports.migrations.0004_backfill_risk_score_history")
    with connection.cursor() as cursor:
        cursor.execute(backfill.FORWARD)
        cursor.execute(backfill.FORWARD)  # idempotent
    assert RiskScoreHistory.objects.count() == 2
    row = RiskScoreHistory.objects.get(merchant=merchant_a)
    assert (row.score, row.tier, row.computed_at, row.factors) == (
        score.score,
        score.tier,
        score.computed_at,
        score.factors,
    )


# --- the risk page, the history page, the admin and the API ---------------------------------
HISTORY_API = "/api/v1/risk-scores/{}/history/"


@pytest.fixture
def past(merchant_a):
    """Three past scores of merchant A: low 12.00, medium 31.50 (+19.50), high 75.25."""
    from tests.factories.reports import RiskScoreHistoryFactory

    start = timezone.now() - timedelta(days=3)
    return [
        RiskScoreHistoryFactory(
            merchant=merchant_a, score=score, tier=tier, computed_at=start + timedelta(days=i)
        )
        for i, (score, tier) in enumerate(
            [("12.00", "low"), ("31.50", "medium"), ("75.25", "high")]
        )
    ]


def _section(page: str) -> str:
    return page[page.index('id="score-history"') : page.index("</section>")]


def test_the_risk_page_shows_the_history_newest_first_with_labels(client, role_user, past):
    from django.urls import reverse

    merchant = past[0].merchant
    client.force_login(role_user("quality_manager"))
    url = reverse("reports:risk-merchant", args=[merchant.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="#score-history"' in page
    section = _section(page)
    assert "History of scores" in page
    assert section.index("75.25") < section.index("31.50") < section.index("12.00")
    assert "+43.75" in section and "+19.50" in section and "First score" in section
    assert "(was Medium)" in section and "(was Low)" in section
    assert ">High<" in section and ">Medium<" in section and ">Low<" in section
    assert "version 1" in section
    assert 'data-testid="tier">high<' not in section  # labels, never the codes
    local = timezone.localtime(past[2].computed_at).strftime("%Y-%m-%d %H:%M")
    assert local in section  # the display time zone, not UTC
    assert "All past scores" not in page  # 3 rows: no more to see

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    section = _section(page)
    assert 'href="#score-history">评分历史<' in page
    assert '<h2 id="score-history-title">评分历史</h2>' in section
    assert "按时间由新到旧；评分或风险等级变化时新增一行。" in section  # noqa: RUF001
    for heading in ("计算时间", "风险分", "风险等级", "所用策略", "较上次变化"):
        assert f'<th scope="col">{heading}</th>' in section
    assert "首次评分" in section
    assert "（此前为中）" in section and "（此前为低）" in section  # noqa: RUF001
    assert "History of scores" not in page and "First score" not in section
    # Tier and version labels in Chinese.
    assert ">高<" in section and ">中<" in section and ">低<" in section
    assert "第 1 版" in section
    assert "High" not in section and "Medium" not in section
    for code in (">high<", ">medium<", ">low<", "v1"):
        assert code not in section


def test_a_long_history_links_to_the_full_list(client, role_user, merchant_a):
    from django.urls import reverse

    from tests.factories.reports import RiskScoreHistoryFactory

    start = timezone.now() - timedelta(days=60)
    for day in range(55):
        RiskScoreHistoryFactory(
            merchant=merchant_a, score=Decimal(day), computed_at=start + timedelta(days=day)
        )
    client.force_login(role_user("data_analysis"))
    page = client.get(
        reverse("reports:risk-merchant", args=[merchant_a.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    full = reverse("reports:risk-merchant-history", args=[merchant_a.pk])
    assert full in page
    section = _section(page)
    assert section.count("<tr>") == 1 + 50  # the head and the newest 50
    # The oldest row shown reads its predecessor, which is not shown.
    assert "First score" not in section and "+1.00" in section
    second = client.get(full, {"page": 2}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Page 2 of 2" in second
    assert "First score" in second and second.count("+1.00") == 4
    assert client.get(full).status_code == 200


def test_merchant_users_cannot_see_the_history_pages(client, owner_a, past):
    from django.urls import reverse

    client.force_login(owner_a)
    merchant = past[0].merchant
    assert (
        client.get(reverse("reports:risk-merchant-history", args=[merchant.pk])).status_code == 403
    )


@pytest.mark.parametrize(
    "role", ["data_analysis", "quality_manager", "quality_management", "merchant_management"]
)
def test_risk_readers_get_the_history_from_the_api(client, role_user, past, role):
    client.force_login(role_user(role))
    body = client.get(HISTORY_API.format(past[0].merchant_id), HTTP_ACCEPT_LANGUAGE="en").json()
    rows = body["results"]
    assert [(r["score"], r["tier"], r["change"]) for r in rows] == [
        ("75.25", "high", "43.75"),
        ("31.50", "medium", "19.50"),
        ("12.00", "low", None),
    ]
    assert rows[0]["tier_label"] == "High"
    assert rows[0]["previous_tier"] == "medium"
    assert rows[0]["policy_version"] == 1
    assert rows[0]["factors"][0]["code"] == "complaint_rate"


def test_merchants_consumer_service_and_strangers_cannot_read_history(
    client, role_user, owner_a, owner_b, past
):
    url = HISTORY_API.format(past[0].merchant_id)
    assert client.get(url).status_code in (401, 403)
    for user in (owner_a, owner_b, role_user("consumer_service")):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_the_api_history_of_an_unknown_merchant_is_404(client, role_user):
    client.force_login(role_user("data_analysis"))
    assert client.get(HISTORY_API.format(999999)).status_code == 404


def test_the_admin_lists_the_history_read_only(client, role_user, past):
    from django.urls import reverse

    client.force_login(role_user("data_analysis"))
    listing = client.get(reverse("admin:reports_riskscorehistory_changelist"))
    assert listing.status_code == 200
    assert "75.25" in listing.content.decode()
    detail = client.get(reverse("admin:reports_riskscorehistory_change", args=[past[0].pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
