"""Reasons that name categories (selling rights) read every category they need in one query
per rendering, and a page of listings reads them once for all its rows, whatever the number
of reasons, categories and rows (issue 19)."""

import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from core.models import Category
from merchants import reason_texts
from merchants.services.selling import SellingRights
from products.models import Product
from tests.factories.core import CategoryFactory
from tests.factories.products import ProductFactory

pytestmark = pytest.mark.django_db


def _blocked(categories, merchant="Merchant A"):
    """Several reasons naming several categories (and one restriction on all of them)."""
    first, second, third = categories
    return [
        (reason_texts.CATEGORY_NOT_APPROVED, {"category": first.pk}),
        (reason_texts.NO_TEST_REPORT, {"category": second.pk}),
        (
            reason_texts.RESTRICTION_IN_FORCE,
            {"merchant": merchant, "kind": "sales_restriction", "category": third.pk},
        ),
        (
            reason_texts.RESTRICTION_IN_FORCE,
            {"merchant": merchant, "kind": "suspension", "category": None},
        ),
    ]


@pytest.fixture
def categories(db):
    return [CategoryFactory(name_en=f"Tea {n}", name_zh=f"茶叶{n}") for n in range(3)]


def test_selling_rights_reasons_read_their_categories_in_one_query(
    categories, django_assert_num_queries
):
    rights = SellingRights(allowed=False, codes=_blocked(categories))
    with translation.override("en"), django_assert_num_queries(1):
        en = rights.reasons
    assert en == [
        "The merchant is not approved to sell in Tea 0.",
        "The merchant has no approved test report for Tea 1; selling in it starts when one "
        "is approved.",
        "Merchant A: Sales restriction (Tea 2)",
        "Merchant A: Suspension (all categories)",
    ]
    with translation.override("zh-hans"), django_assert_num_queries(1):
        zh = rights.reasons
    assert "茶叶0" in zh[0] and "茶叶1" in zh[1] and "茶叶2" in zh[2]


def test_a_blocked_listings_reason_reads_its_categories_in_one_query(
    categories, django_assert_num_queries
):
    code, params = SellingRights(allowed=False, codes=_blocked(categories)).blocked
    with translation.override("en"), django_assert_num_queries(1):
        text = reason_texts.render(code, params)
    assert "Tea 0" in text and "Tea 1" in text and "Tea 2" in text
    # A delisting that quotes it reads them in one query too.
    quoted = reason_texts.quoted(code, params)
    with translation.override("en"), django_assert_num_queries(1):
        assert "Tea 2" in reason_texts.render(reason_texts.DELISTED_BY_SANCTION, quoted)
    # No category named: no query.
    with django_assert_num_queries(0):
        reason_texts.render(reason_texts.MERCHANT_NOT_LIVE, {"status": "suspended"})


def _restricted_listings(merchant, count):
    """`count` listings blocked for selling rights, each naming three categories of its own."""
    for _n in range(count):
        categories = [CategoryFactory() for _c in range(3)]
        product = ProductFactory(merchant=merchant, category=categories[0])
        code, params = SellingRights(allowed=False, codes=_blocked(categories)).blocked
        Product.objects.filter(pk=product.pk).update(
            status=Product.Status.RESTRICTED,
            status_cause=Product.Cause.SELLING_RIGHTS,
            status_reason_code=code,
            status_reason_params=params,
        )


def _queries(read):
    with CaptureQueriesContext(connection) as queries:
        read()
    return len(queries)


def test_the_listing_pages_read_categories_once_not_per_row(merchant_a, owner_a, client):
    client.force_login(owner_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(owner_a)
    url = reverse("products:merchant-products")

    def page():
        response = client.get(url)
        assert response.status_code == 200
        return response.content.decode()

    def listings():
        return api.get("/api/v1/products/").json()

    _restricted_listings(merchant_a, 2)
    few_page, few_api = _queries(page), _queries(listings)
    _restricted_listings(merchant_a, 6)
    assert _queries(page) == few_page
    assert _queries(listings) == few_api
    body = listings()
    rows = body["results"] if isinstance(body, dict) else body
    assert len(rows) == 8
    for row in rows:
        assert row["status_reason_text"].count("Category ") == 3
    assert page().count("(all categories)") == 8


# --- pages of decisions and of alerts -----------------------------------------------------
def _blocked_reasons(count):
    """`count` reasons of blocked listings, each naming three categories of its own ("Oolong"
    in English, "乌龙" in Chinese, and its code in brackets), as (code, params)."""
    reasons = []
    for _n in range(count):
        categories = [CategoryFactory() for _c in range(3)]
        Category.objects.filter(pk__in=[c.pk for c in categories]).update(
            name_en=Concat(Value("Oolong ["), "code", Value("]")),
            name_zh=Concat(Value("乌龙["), "code", Value("]")),
        )
        reasons.append(SellingRights(allowed=False, codes=_blocked(categories)).blocked)
    return reasons


def _listing_decisions(product, count):
    """`count` decisions restricting the listing for selling rights (as the sync writes)."""
    from django.contrib.contenttypes.models import ContentType

    from core.decision_labels import reason_data
    from core.models import Decision

    Decision.objects.bulk_create(
        Decision(
            content_type=ContentType.objects.get_for_model(Product),
            object_id=str(product.pk),
            action="restrict",
            from_state="listed",
            to_state="restricted",
            actor_label="system",
            data={"cause": "selling_rights", **reason_data(code, params)},
        )
        for code, params in _blocked_reasons(count)
    )


def _listing_alerts(user, product, count):
    """`count` "listing status" alerts to the user, each quoting a blocked listing's reason."""
    from core.models import Alert

    Alert.objects.bulk_create(
        Alert(
            kind="listing_status",
            key=f"test:listing_status:{user.pk}:{code}:{n}:{Alert.objects.count()}",
            recipient_user=user,
            payload={
                "product": product.title,
                "status": Product.Status.RESTRICTED,
                "reason": reason_texts.quoted(code, params),
            },
        )
        for n, (code, params) in enumerate(_blocked_reasons(count))
    )


def _same_queries_for_two_and_eight_rows(add_rows, get):
    """Reading the page with 2 rows and with 8 costs the same queries; returns the page of 8
    in English and in Chinese."""
    add_rows(2)
    get("en")  # the process's caches (content types) filled, as on a running site
    few = _queries(lambda: get("en"))
    add_rows(6)
    assert _queries(lambda: get("en")) == few
    return get("en"), get("zh-hans")


def _names_every_category(en, zh):
    """Both pages name every category of their rows, each in its language."""
    names = Category.objects.filter(name_en__startswith="Oolong ").values_list("name_en", "name_zh")
    assert len(names) == 3 * 8
    for name_en, name_zh in names:
        assert name_en in en and name_zh in zh
        assert name_zh not in en and name_en not in zh
    assert "(all categories)" in en


def _html(client, url):
    def get(language):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        return response.content.decode()

    return get


def test_the_staff_decision_list_reads_categories_once_not_per_row(admin_client, merchant_a):
    product = ProductFactory(merchant=merchant_a)
    en, zh = _same_queries_for_two_and_eight_rows(
        lambda n: _listing_decisions(product, n),
        _html(admin_client, "/admin/core/decision/"),
    )
    _names_every_category(en, zh)


def test_a_listings_admin_history_reads_categories_once_not_per_decision(admin_client, merchant_a):
    product = ProductFactory(merchant=merchant_a)
    en, zh = _same_queries_for_two_and_eight_rows(
        lambda n: _listing_decisions(product, n),
        _html(admin_client, f"/admin/products/product/{product.pk}/change/"),
    )
    _names_every_category(en, zh)


def test_the_inbox_reads_categories_once_not_per_alert(client, merchant_a, owner_a):
    product = ProductFactory(merchant=merchant_a)
    client.force_login(owner_a)
    en, zh = _same_queries_for_two_and_eight_rows(
        lambda n: _listing_alerts(owner_a, product, n), _html(client, reverse("core:inbox"))
    )
    _names_every_category(en, zh)


def test_the_alerts_api_reads_categories_once_not_per_alert(merchant_a, owner_a):
    product = ProductFactory(merchant=merchant_a)
    api = APIClient()
    api.force_authenticate(owner_a)

    def get(language):
        response = api.get("/api/v1/alerts/", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        body = response.json()
        rows = body["results"] if isinstance(body, dict) else body
        return " ".join(row["text"] for row in rows)

    en, zh = _same_queries_for_two_and_eight_rows(
        lambda n: _listing_alerts(owner_a, product, n), get
    )
    _names_every_category(en, zh)


def test_the_staff_alert_list_reads_categories_once_not_per_alert(
    admin_client, merchant_a, owner_a
):
    product = ProductFactory(merchant=merchant_a)
    en, zh = _same_queries_for_two_and_eight_rows(
        lambda n: _listing_alerts(owner_a, product, n),
        _html(admin_client, "/admin/core/alert/"),
    )
    _names_every_category(en, zh)


def test_a_listings_trace_reads_categories_once_not_per_change(client, merchant_a, role_user):
    """The staff page and the API of a listing's trace name its changes' reasons."""
    product = ProductFactory(merchant=merchant_a)
    staff = role_user("quality_management")
    client.force_login(staff)
    api = APIClient()
    api.force_authenticate(staff)
    page = _html(client, f"/staff/trace/products/{product.pk}/")

    def page_and_api(language):
        response = api.get(f"/api/v1/trace/products/{product.pk}/", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        reasons = " ".join(change["reason"] for change in response.json()["listing_changes"])
        return page(language) + reasons

    en, zh = _same_queries_for_two_and_eight_rows(
        lambda n: _listing_decisions(product, n), page_and_api
    )
    _names_every_category(en, zh)


def test_an_admin_pages_decision_inline_reads_categories_once_not_per_row(admin_client, merchant_a):
    """The workflow history inline of a change page (here a merchant's, holding reasons
    that name categories) reads their names once for all rows."""
    from django.contrib.contenttypes.models import ContentType

    from core.models import Decision
    from merchants.models import Merchant

    def add_rows(count):
        _listing_decisions(ProductFactory(merchant=merchant_a), count)
        Decision.objects.filter(content_type=ContentType.objects.get_for_model(Product)).update(
            content_type=ContentType.objects.get_for_model(Merchant), object_id=str(merchant_a.pk)
        )

    en, zh = _same_queries_for_two_and_eight_rows(
        add_rows, _html(admin_client, f"/admin/merchants/merchant/{merchant_a.pk}/change/")
    )
    _names_every_category(en, zh)
