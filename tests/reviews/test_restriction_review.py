"""The lifecycle of a rating restriction: lifted by a recovered verdict, otherwise reviewed
by Merchant Management after the policy period, kept or lifted, every step recorded."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from core import policies
from core.alerts import render_text
from core.audit import decisions_for
from core.exceptions import DomainError, InvalidTransition, NotAllowed
from core.models import Alert
from merchants.models import Restriction
from merchants.services import can_sell
from reviews.models import MerchantRatingStanding
from reviews.policies import RATING_THRESHOLDS
from reviews.services import keep_rating_restriction, lift_rating_restriction, sweep_due_reviews
from reviews.tasks import compute_rolling_ratings as rolling_task
from tests.reviews.test_rolling import rate

DAY = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
KIND = "rating_restriction_review"


def at(days):
    return DAY + timedelta(days=days)


def run(days):
    """The hourly beat task (figures, thresholds, then due reviews) `days` after DAY."""
    with time_machine.travel(at(days), tick=False):
        return rolling_task.delay().get()


def standing(merchant):
    return MerchantRatingStanding.objects.get(merchant=merchant)


def review_alerts():
    return Alert.objects.filter(kind=KIND)


def open_restrictions(merchant):
    return Restriction.objects.filter(merchant=merchant, reason="rating", lifted_at__isnull=True)


@pytest.fixture
def restricted(db, merchant_a):
    """Merchant A restricted on DAY by 20 ratings of 3; the ratings leave the window 90 days
    later, so no verdict can end the restriction after that."""
    with time_machine.travel(DAY, tick=False):
        rate(merchant_a, (3, 3, 3), count=20)
    result = run(0)
    assert result["restricted"] == [merchant_a.pk]
    return merchant_a


@pytest.fixture
def mm(role_user):
    return role_user("merchant_management", username="mm-reviewer")


def test_a_restriction_falls_due_for_review_after_the_policy_period(restricted):
    assert standing(restricted).review_due_at == at(90)
    assert policies.get(RATING_THRESHOLDS)["restriction_review_days"] == 90


def test_review_period_comes_from_the_policy(db, merchant_a):
    policies.publish(
        RATING_THRESHOLDS, value={"restriction_review_days": 30}, effective_from=at(-1)
    )
    with time_machine.travel(DAY, tick=False):
        rate(merchant_a, (3, 3, 3), count=20)
    run(0)
    assert standing(merchant_a).review_due_at == at(30)
    assert run(29)["review_alerts"] == 0
    assert run(30)["review_alerts"] == 1


def test_with_too_few_ratings_merchant_management_is_alerted_once_when_due(restricted):
    # The ratings left the window: no verdict, the restriction stays, nothing due yet.
    assert run(89)["review_alerts"] == 0
    assert standing(restricted).state == "restricted" and not can_sell(restricted)
    assert not review_alerts().exists()

    assert run(90)["review_alerts"] == 1
    alert = review_alerts().get()
    assert alert.recipient_group.name == "merchant_management" and alert.recipient_user is None
    assert alert.payload == {
        "merchant": "Merchant A",
        "since": "2026-06-01",
        "due": "2026-08-30",
        "count": 0,
        "window": 90,
    }
    assert alert.object_id == str(restricted.pk)
    assert alert.url.endswith(
        f"/admin/reviews/merchantratingstanding/?merchant__exact={restricted.pk}"
    )
    with translation.override("en"):
        assert render_text(KIND, alert.payload) == (
            "Merchant A: sales restricted for the service rating since 2026-06-01; review due "
            "2026-08-30 (0 ratings in the last 90 days)"
        )
    with translation.override("zh-hans"):
        text = render_text(KIND, alert.payload)
    assert "自 2026-06-01 起因服务评分被限制销售" in text
    assert "应于 2026-08-30 复核" in text and "近 90 天共 0 条评分" in text
    # The fact is recorded on the standing and as a decision.
    assert standing(restricted).review_alerted_at == at(90)
    due = decisions_for(standing(restricted)).get(action="review_due")
    assert due.actor is None and due.actor_label.startswith("system")

    # The same day, the next day, a retried task: no second alert, no second record.
    assert run(90)["review_alerts"] == 0
    assert run(91)["review_alerts"] == 0
    assert sweep_due_reviews(now=at(92)) == []
    assert review_alerts().count() == 1
    assert decisions_for(standing(restricted)).filter(action="review_due").count() == 1
    # Still restricted: the review is Merchant Management's decision, not a silent lift.
    assert open_restrictions(restricted).count() == 1


def test_a_restriction_still_below_the_threshold_is_reviewed_too(db, merchant_a):
    """Never permanent without anyone looking: a confirmed restriction falls due as well."""
    with time_machine.travel(DAY, tick=False):
        rate(merchant_a, (3, 3, 3), count=20)
        rate(merchant_a, (3, 3, 3), count=20, at=at(80))
    run(0)
    assert run(90)["review_alerts"] == 1
    assert review_alerts().get().payload["count"] == 20


def test_keep_extends_by_a_period_and_alerts_again_at_the_next_review(restricted, mm):
    run(90)
    with time_machine.travel(at(95), tick=False):
        kept = keep_rating_restriction(
            standing=standing(restricted), by=mm, reason="Two open complaints about delivery."
        )
    assert kept.review_due_at == at(185) and kept.review_alerted_at is None
    decision = decisions_for(kept).get(action="keep")
    assert decision.actor == mm and decision.reason == "Two open complaints about delivery."
    assert (decision.from_state, decision.to_state) == ("restricted", "restricted")
    assert decision.data["review_due_at"].startswith("2026-12-03")
    assert not can_sell(restricted)

    assert run(184)["review_alerts"] == 0
    assert run(185)["review_alerts"] == 1
    assert run(186)["review_alerts"] == 0
    assert review_alerts().count() == 2
    assert set(review_alerts().values_list("payload__due", flat=True)) == {
        "2026-08-30",
        "2026-12-03",
    }


def test_lift_ends_it_and_records_who_and_why(restricted, mm, owner_a):
    run(90)
    with time_machine.travel(at(93), tick=False):
        lifted = lift_rating_restriction(
            standing=standing(restricted), by=mm, reason="Too few ratings to judge; complaints low."
        )
    assert (lifted.state, lifted.previous_state) == ("ok", "restricted")
    assert lifted.review_due_at is None and lifted.restriction_source == ""
    assert can_sell(restricted)
    restriction = Restriction.objects.get(merchant=restricted, reason="rating")
    assert restriction.lifted_at == at(93) and restriction.lifted_by == mm
    on_restriction = decisions_for(restriction).get(action="lift")
    assert on_restriction.actor == mm
    assert on_restriction.reason == "Too few ratings to judge; complaints low."
    on_standing = decisions_for(lifted).get(action="lift")
    assert on_standing.actor == mm and (on_standing.from_state, on_standing.to_state) == (
        "restricted",
        "ok",
    )
    # Nothing comes back: no review alert, no new restriction from the old figure.
    assert run(200)["review_alerts"] == 0
    assert review_alerts().count() == 1
    assert not open_restrictions(restricted).exists()
    # Keeping or lifting again is refused: there is nothing to review.
    with pytest.raises(InvalidTransition):
        keep_rating_restriction(standing=lifted, by=mm, reason="again")


def test_lift_is_refused_while_the_ratings_still_restrict(restricted, mm):
    with time_machine.travel(at(1), tick=False), pytest.raises(InvalidTransition) as refused:
        lift_rating_restriction(standing=standing(restricted), by=mm, reason="Looks fine")
    assert "3.00 over 20 ratings" in str(refused.value.messages[0])
    assert open_restrictions(restricted).count() == 1


def test_only_merchant_management_reviews_and_always_with_a_reason(restricted, mm, role_user):
    cs = role_user("consumer_service")
    with pytest.raises(NotAllowed):
        keep_rating_restriction(standing=standing(restricted), by=cs, reason="Keep")
    with pytest.raises(NotAllowed):
        lift_rating_restriction(standing=standing(restricted), by=cs, reason="Lift")
    with pytest.raises(DomainError):
        keep_rating_restriction(standing=standing(restricted), by=mm, reason="  ")
    assert not decisions_for(standing(restricted)).exclude(action="verdict").exists()


def test_recovery_over_twenty_ratings_lifts_without_review(restricted):
    # 19 good ratings after the old ones left the window: no verdict, still restricted.
    with time_machine.travel(DAY, tick=False):
        rate(restricted, (5, 5, 5), count=19, at=at(92))
    assert run(93)["lifted"] == []
    assert standing(restricted).state == "restricted" and not can_sell(restricted)
    assert review_alerts().count() == 1  # due at 90, raised by the run at 93
    # The 20th is a verdict at or above the threshold: lifted by the rule.
    with time_machine.travel(DAY, tick=False):
        rate(restricted, (5, 5, 5), at=at(93))
    result = run(94)
    assert result["lifted"] == [restricted.pk] and result["review_alerts"] == 0
    after = standing(restricted)
    assert after.state == "ok" and after.review_due_at is None and after.review_alerted_at is None
    assert can_sell(restricted)
    verdicts = decisions_for(after).filter(action="verdict")
    assert [(d.from_state, d.to_state) for d in verdicts] == [
        ("ok", "restricted"),
        ("restricted", "ok"),
    ]
    assert verdicts.last().data["ratings"] == 20
    assert run(300)["review_alerts"] == 0


def test_recovery_before_the_review_means_no_review(restricted):
    with time_machine.travel(DAY, tick=False):
        rate(restricted, (5, 5, 5), count=20, at=at(30))  # 40 ratings averaging 4.0
    assert run(31)["lifted"] == [restricted.pk]
    assert standing(restricted).review_due_at is None
    assert run(120)["review_alerts"] == 0
    assert not review_alerts().exists()


def test_a_new_restriction_after_a_lift_has_its_own_review(restricted, mm):
    run(90)
    with time_machine.travel(at(91), tick=False):
        lift_rating_restriction(standing=standing(restricted), by=mm, reason="Reviewed")
        rate(restricted, (2, 2, 2), count=20, at=at(100))
    run(101)
    assert standing(restricted).state == "restricted"
    assert standing(restricted).review_due_at == at(191)
    assert run(191)["review_alerts"] == 1
    assert review_alerts().count() == 2


def test_merchant_management_keep_and_lift_in_the_admin(restricted, mm, client):
    run(90)
    client.force_login(mm)
    url = reverse("admin:reviews_merchantratingstanding_changelist")
    assert client.get(url, {"merchant__exact": restricted.pk}).status_code == 200
    selected = {"_selected_action": [restricted.pk], "index": 0}
    client.post(url, {**selected, "action": "keep_restriction", "reason": ""})
    assert standing(restricted).review_alerted_at is not None  # no reason, nothing done
    with time_machine.travel(at(95), tick=False):
        client.post(url, {**selected, "action": "keep_restriction", "reason": "Still checking"})
    assert standing(restricted).review_due_at == at(185)
    with time_machine.travel(at(96), tick=False):
        client.post(url, {**selected, "action": "lift_restriction", "reason": "Checked"})
    assert standing(restricted).state == "ok" and can_sell(restricted)
    assert [d.action for d in decisions_for(standing(restricted))] == [
        "verdict",
        "review_due",
        "keep",
        "lift",
    ]
    page = client.get(reverse("admin:reviews_merchantratingstanding_change", args=[restricted.pk]))
    assert b"Still checking" in page.content and b"Checked" in page.content


def test_other_departments_see_no_review_actions(restricted, role_user, client):
    client.force_login(role_user("data_analysis"))
    url = reverse("admin:reviews_merchantratingstanding_changelist")
    assert client.get(url).status_code == 200
    client.post(
        url,
        {
            "_selected_action": [restricted.pk],
            "index": 0,
            "action": "lift_restriction",
            "reason": "x",
        },
    )
    assert standing(restricted).state == "restricted"


def test_the_merchant_sees_when_the_restriction_is_reviewed(restricted, owner_a, client):
    client.force_login(owner_a)
    with time_machine.travel(at(1), tick=False):
        page = client.get(reverse("reviews:merchant-ratings"))
    text = page.content.decode()
    assert "reviewed by Merchant Management by 2026-08-30" in text


def test_merchant_management_keep_and_lift_through_the_api(restricted, mm, role_user, api):
    run(90)
    api.force_authenticate(mm)
    listed = api.get("/api/v1/rating-standings/", {"review_alerted": "true"})
    assert [row["merchant"] for row in listed.json()["results"]] == [restricted.pk]
    assert api.get("/api/v1/rating-standings/", {"review_alerted": "false"}).json()["results"] == []
    url = f"/api/v1/rating-standings/{restricted.pk}/"
    assert api.post(url + "keep/", {"reason": ""}, format="json").status_code == 400
    with time_machine.travel(at(95), tick=False):
        kept = api.post(url + "keep/", {"reason": "Waiting for an inspection"}, format="json")
    assert kept.status_code == 200 and kept.json()["review_alerted_at"] is None
    assert standing(restricted).review_due_at == at(185)
    # A quality manager reads the standings but the review is Merchant Management's.
    api.force_authenticate(role_user("quality_manager"))
    assert api.get(url).status_code == 200
    assert api.post(url + "lift/", {"reason": "x"}, format="json").status_code == 403
    api.force_authenticate(role_user("consumer_service"))
    assert api.get(url).status_code == 403
    api.force_authenticate(mm)
    with time_machine.travel(at(96), tick=False):
        lifted = api.post(url + "lift/", {"reason": "Inspection passed"}, format="json")
    assert lifted.status_code == 200 and lifted.json()["state"] == "ok"
    assert decisions_for(standing(restricted)).get(action="lift").reason == "Inspection passed"
    # Nothing left to review.
    assert api.post(url + "lift/", {"reason": "again"}, format="json").status_code == 400
