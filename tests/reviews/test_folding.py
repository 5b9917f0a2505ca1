import pytest

from core.audit import decisions_for
from core.exceptions import DomainError, InvalidTransition, NotAllowed
from reviews import services
from reviews.models import IntegritySignal
from tests.factories.reviews import ProductReviewFactory


@pytest.fixture
def moderator(role_user):
    return role_user("consumer_service")


def test_a_folded_review_stays_public_with_its_reason(client, moderator):
    review = ProductReviewFactory(text="Best product ever, buy now!!!")
    services.fold_review(review=review, by=moderator, reason="part of a review burst")
    page = client.get(f"/products/{review.product_id}/reviews/").content.decode()
    assert "Folded because part of a review burst" in page
    assert "<details>" in page and "Best product ever, buy now!!!" in page  # click to view
    decision = decisions_for(review).get()
    assert (decision.action, decision.to_state, decision.actor) == ("fold", "folded", moderator)


def test_unfolding_is_recorded_and_shows_the_review_plainly(client, moderator):
    review = ProductReviewFactory()
    services.fold_review(review=review, by=moderator, reason="suspicious")
    services.unfold_review(review=review, by=moderator, reason="the purchase checked out")
    review.refresh_from_db()
    assert not review.folded and review.fold_reason == ""
    assert [d.action for d in decisions_for(review)] == ["fold", "unfold"]
    assert decisions_for(review).last().reason == "the purchase checked out"
    assert (
        "Folded because"
        not in client.get(f"/products/{review.product_id}/reviews/").content.decode()
    )


def test_folding_needs_a_reason_and_a_moderator(moderator, owner_a):
    review = ProductReviewFactory()
    with pytest.raises(DomainError):
        services.fold_review(review=review, by=moderator, reason="  ")
    with pytest.raises(NotAllowed):
        services.fold_review(review=review, by=owner_a, reason="I dislike it")
    services.fold_review(review=review, by=moderator, reason="spam")
    with pytest.raises(InvalidTransition):
        services.fold_review(review=review, by=moderator, reason="again")


def test_folding_settles_the_review_s_open_signals(moderator):
    review = ProductReviewFactory()
    signal = IntegritySignal.objects.create(kind="burst", review=review, evidence={"n": 1})
    services.fold_review(review=review, by=moderator, reason="burst")
    signal.refresh_from_db()
    assert signal.status == "folded" and signal.decided_by == moderator


def test_staff_fold_and_dismiss_from_the_moderation_queue(client, moderator):
    review = ProductReviewFactory()
    other = ProductReviewFactory()
    IntegritySignal.objects.create(kind="unverified", review=review, evidence={"reviewer": "x"})
    dismissable = IntegritySignal.objects.create(kind="burst", review=other, evidence={})
    client.force_login(moderator)
    page = client.get("/staff/reviews/").content.decode()
    assert f'data-testid="queued-{review.pk}"' in page and "Reviewer without verified" in page
    client.post(f"/staff/reviews/{review.pk}/fold/", {"reason": "no purchase behind it"})
    client.post(f"/staff/reviews/signals/{dismissable.pk}/dismiss/", {"note": "seasonal sale"})
    review.refresh_from_db()
    dismissable.refresh_from_db()
    assert review.folded and review.fold_reason == "no purchase behind it"
    assert (
        dismissable.status == "dismissed" and decisions_for(dismissable).get().action == "dismiss"
    )
    other.refresh_from_db()
    assert not other.folded


def test_the_moderation_queue_is_for_moderators_only(client, owner_a, role_user):
    client.force_login(owner_a)
    assert client.get("/staff/reviews/").status_code == 403
    client.force_login(role_user("data_analysis"))
    assert client.get("/staff/reviews/").status_code == 403


def test_moderators_fold_through_the_api(api, moderator, owner_a):
    review = ProductReviewFactory()
    api.force_login(owner_a)
    assert api.post(f"/api/v1/reviews/{review.pk}/fold/", {"reason": "x"}).status_code == 403
    api.force_login(moderator)
    response = api.post(f"/api/v1/reviews/{review.pk}/fold/", {"reason": "copied text"})
    assert response.status_code == 200 and response.json()["fold_reason"] == "copied text"
