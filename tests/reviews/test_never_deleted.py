"""Reviews and ratings are never deleted (E-commerce Law art. 39): no admin, API or portal
path deletes them, and the database refuses a DELETE whatever sends it."""

import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, transaction
from django.urls import URLPattern, URLResolver, get_resolver

from reviews.models import IntegritySignal, ProductReview, Purchase, ServiceRating
from tests.factories.reviews import ProductReviewFactory, ServiceRatingFactory


@pytest.mark.parametrize("model", [ProductReview, ServiceRating, Purchase, IntegritySignal])
def test_the_admin_offers_no_delete(model, rf, role_user):
    admin = site._registry[model]
    request = rf.get("/admin/")
    request.user = role_user("quality_management")
    request.user.is_superuser = True
    assert admin.has_delete_permission(request) is False
    assert admin.has_delete_permission(request, obj=None) is False
    assert "delete_selected" not in admin.get_actions(request)


def test_the_admin_delete_page_is_refused(client, django_user_model):
    review = ProductReviewFactory()
    admin_user = django_user_model.objects.create_superuser("root", "root@x.test", "pw-12345678")
    client.force_login(admin_user)
    response = client.post(f"/admin/reviews/productreview/{review.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert ProductReview.objects.filter(pk=review.pk).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reviews/{review}/",
        "/api/v1/service-ratings/{rating}/",
        "/api/v1/purchases/{purchase}/",
    ],
)
def test_the_api_has_no_delete_or_update(path, api, django_user_model):
    rating = ServiceRatingFactory()
    review = ProductReviewFactory(purchase=rating.purchase)
    admin_user = django_user_model.objects.create_superuser("root", "root@x.test", "pw-12345678")
    api.force_login(admin_user)
    url = path.format(review=review.pk, rating=rating.pk, purchase=rating.purchase_id)
    assert api.get(url).status_code == 200
    assert api.delete(url).status_code == 405
    assert api.put(url, {}, format="json").status_code == 405
    assert api.patch(url, {}, format="json").status_code == 405
    assert ProductReview.objects.count() == 1 and ServiceRating.objects.count() == 1


def _patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def test_no_review_page_deletes():
    routes = [
        route
        for route, entry in _patterns(get_resolver())
        if getattr(entry.callback, "__module__", "").startswith("reviews")
    ]
    assert routes  # the portal, public and staff pages are there ...
    assert not [r for r in routes if "delete" in r]  # ... and none of them deletes
    from reviews import views

    assert not [name for name in dir(views) if "delete" in name.lower()]


@pytest.mark.parametrize("factory", [ProductReviewFactory, ServiceRatingFactory])
def test_the_database_refuses_deletes(db, factory):
    obj = factory()
    with pytest.raises(DatabaseError), transaction.atomic():
        type(obj).objects.filter(pk=obj.pk).delete()
    assert type(obj).objects.filter(pk=obj.pk).exists()
