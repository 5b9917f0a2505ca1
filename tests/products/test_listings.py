from decimal import Decimal

import pytest

from core.audit import decisions_for
from core.exceptions import DomainError, NotAllowed
from core.models import Upload
from merchants.models import Restriction
from merchants.services import lift, restrict
from products import services
from products.models import Product
from tests import files
from tests.factories.products import ProductFactory


def create(merchant, category, **kwargs):
    fields = {"sku": "A-1", "title": "五常大米 10斤", "price": "59.90", **kwargs}
    return services.create_product(merchant=merchant, category=category, **fields)


def test_a_merchant_lists_a_product_in_an_approved_category(seller_a, food, owner_a):
    product = create(seller_a, food, by=owner_a, images=[files.png()])
    assert product.status == Product.Status.LISTED
    assert product.price == Decimal("59.90")
    assert product.images.count() == 1
    assert [d.action for d in decisions_for(product)] == ["list"]


def test_listing_in_a_category_the_merchant_may_not_sell_in_is_refused_with_the_reason(
    seller_b, phones
):
    with pytest.raises(DomainError) as err:
        create(seller_b, phones)
    assert "not approved to sell in" in err.value.message_dict["category"][0]
    assert not Product.objects.exists()


def test_listing_while_the_merchant_is_restricted_is_refused(seller_a, food):
    restrict(
        merchant=seller_a,
        kind=Restriction.Kind.SUSPENSION,
        reason=Restriction.Reason.MANUAL,
        source="test:1",
    )
    with pytest.raises(DomainError, match="may not list"):
        create(seller_a, food)
    assert not Product.objects.exists()


def test_listing_for_a_suspended_merchant_is_refused(seller_a, food):
    seller_a.status = "suspended"
    seller_a.save()
    with pytest.raises(DomainError, match="Suspended"):
        create(seller_a, food)


def test_an_oversized_or_fake_image_stores_nothing(seller_a, food, settings):
    uploads = Upload.objects.count()  # the seller's test reports
    settings.UPLOAD_MAX_BYTES = 50
    with pytest.raises(DomainError) as err:
        create(seller_a, food, images=[files.png(), files.upload("x.png", files.png_bytes())])
    assert "too large" in err.value.message_dict["images"][0]
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    with pytest.raises(DomainError, match="not an image"):
        create(seller_a, food, images=[files.pdf()])
    assert not Product.objects.exists()
    assert Upload.objects.count() == uploads


@pytest.mark.parametrize(
    ("field", "value"), [("price", "-1"), ("price", "abc"), ("title", "  "), ("sku", "")]
)
def test_bad_fields_are_refused_by_name(seller_a, food, field, value):
    with pytest.raises(DomainError) as err:
        create(seller_a, food, **{field: value})
    assert field in err.value.message_dict


def test_a_duplicate_sku_is_refused(seller_a, food):
    create(seller_a, food)
    with pytest.raises(DomainError, match="SKU"):
        create(seller_a, food, title="Other")


def test_a_merchant_cannot_edit_another_merchants_product(seller_a, seller_b, food, owner_b):
    product = create(seller_a, food)
    with pytest.raises(NotAllowed):
        services.update_product(product=product, by=owner_b, title="hijacked")
    product.refresh_from_db()
    assert product.title == "五常大米 10斤"


def test_moving_a_product_to_a_category_the_merchant_may_not_sell_in_is_refused(
    seller_b, food, phones, owner_b
):
    product = create(seller_b, food)
    with pytest.raises(DomainError, match="not approved"):
        services.update_product(product=product, by=owner_b, category=phones)
    product.refresh_from_db()
    assert product.category == food


def test_restricting_a_merchant_restricts_its_listings_and_lifting_brings_them_back(
    seller_a, seller_b, food, phones
):
    a_food = ProductFactory(merchant=seller_a, category=food)
    a_phone = ProductFactory(merchant=seller_a, category=phones)
    a_delisted = ProductFactory(merchant=seller_a, category=food, status="delisted")
    a_claim = ProductFactory(
        merchant=seller_a, category=phones, status="restricted", status_cause="ad_claim"
    )
    b_food = ProductFactory(merchant=seller_b, category=food)
    restrict(
        merchant=seller_a,
        kind=Restriction.Kind.SALES_RESTRICTION,
        reason=Restriction.Reason.DOCUMENT_EXPIRED,
        source="doc:1",
        category=food,
    )
    statuses = dict(Product.objects.values_list("pk", "status"))
    assert statuses[a_food.pk] == "restricted"
    assert statuses[a_phone.pk] == "listed"
    assert statuses[a_delisted.pk] == "delisted"
    assert statuses[b_food.pk] == "listed"
    a_food.refresh_from_db()
    assert a_food.status_cause == "selling_rights"
    assert [(d.action, d.actor_label) for d in decisions_for(a_food)] == [("restrict", "system")]

    restrict(
        merchant=seller_a,
        kind=Restriction.Kind.SUSPENSION,
        reason=Restriction.Reason.SANCTION,
        source="sanction:1",
    )
    assert Product.objects.get(pk=a_phone.pk).status == "restricted"

    lift(merchant=seller_a, reason=Restriction.Reason.SANCTION, source="sanction:1")
    assert Product.objects.get(pk=a_phone.pk).status == "listed"
    assert Product.objects.get(pk=a_food.pk).status == "restricted"  # food still restricted
    lift(merchant=seller_a, reason=Restriction.Reason.DOCUMENT_EXPIRED, source="doc:1")
    statuses = dict(Product.objects.values_list("pk", "status"))
    assert statuses[a_food.pk] == "listed"
    assert statuses[a_claim.pk] == "restricted"  # another cause: stays until staff decide
    assert statuses[a_delisted.pk] == "delisted"


def test_the_cascade_is_one_update_whatever_the_number_of_listings(
    seller_a, food, django_assert_max_num_queries
):
    ProductFactory.create_batch(30, merchant=seller_a, category=food)
    from products.services import sync_listings_with_selling_rights

    seller_a.categories.remove(food)
    with django_assert_max_num_queries(8):
        changed = sync_listings_with_selling_rights(seller_a)
    assert changed == 30
    assert not Product.objects.filter(status="listed").exists()


def test_a_quality_delisting_needs_a_passed_reinspection_to_come_back(seller_a, food, role_user):
    qm = role_user("quality_management")
    product = ProductFactory(merchant=seller_a, category=food)
    services.delist_listing(
        product=product, by=None, reason="Lot failed", evidence="INS-1", cause="quality"
    )
    with pytest.raises(DomainError, match="re-inspection"):
        services.relist(product=product, by=qm, reason="please")
    services.relist_after_reinspection(product=product, inspection_ref="INS-2", by=None)
    product.refresh_from_db()
    assert product.status == "listed"
    assert [d.action for d in decisions_for(product)] == ["delist", "relist_after_reinspection"]
    assert decisions_for(product).last().data["inspection"] == "INS-2"


def test_reinspection_relisting_is_only_for_quality_delistings(seller_a, food, role_user):
    product = ProductFactory(merchant=seller_a, category=food)
    services.delist_listing(product=product, by=role_user("quality_management"), reason="x")
    with pytest.raises(DomainError):
        services.relist_after_reinspection(product=product, inspection_ref="INS-9")


def test_staff_restrict_and_relist_with_reason_evidence_and_who(seller_a, food, role_user):
    qm = role_user("quality_management")
    product = ProductFactory(merchant=seller_a, category=food)
    with pytest.raises(DomainError):
        services.restrict_listing(product=product, by=qm, reason=" ")
    services.restrict_listing(product=product, by=qm, reason="Mislabelled", evidence="photo 3")
    product.refresh_from_db()
    assert (product.status, product.status_reason, product.status_evidence) == (
        "restricted",
        "Mislabelled",
        "photo 3",
    )
    assert product.status_changed_by == qm
    services.relist(product=product, by=qm, reason="Label fixed")
    product.refresh_from_db()
    assert product.status == "listed"
    with pytest.raises(DomainError, match="Cannot go from"):
        services.relist(product=product, by=qm, reason="again")


def test_a_cascade_restriction_is_not_relisted_by_hand(seller_a, food, role_user):
    product = ProductFactory(merchant=seller_a, category=food)
    seller_a.categories.remove(food)
    services.sync_listings_with_selling_rights(seller_a)
    with pytest.raises(DomainError, match="by itself"):
        services.relist(product=product, by=role_user("quality_management"), reason="x")


def test_the_merchant_is_alerted_when_a_listing_is_restricted(seller_a, owner_a, food, role_user):
    from core.alerts import inbox_for

    product = ProductFactory(merchant=seller_a, category=food, title="大米")
    services.restrict_listing(product=product, by=role_user("quality_management"), reason="Fake")
    (alert,) = inbox_for(owner_a)
    assert alert.kind == "listing_status"
    assert alert.text == "大米 is now Restricted: Fake"


def _merchants_selling_food_and_phones(count, food, phones):
    """`count` merchants selling in food and phones, one listing in each; every other one
    suspended by a restriction, every third one no longer approved for food."""
    from django.utils import timezone

    from tests.factories.merchants import MerchantFactory, sells_in

    merchants = []
    for i in range(count):
        merchant = sells_in(MerchantFactory(), food, phones)
        ProductFactory(merchant=merchant, category=food)
        ProductFactory(merchant=merchant, category=phones)
        if i % 2 == 0:
            Restriction.objects.create(
                merchant=merchant,
                kind=Restriction.Kind.SUSPENSION,
                reason=Restriction.Reason.MANUAL,
                source=f"test:{i}",
                starts_at=timezone.now(),
            )
        if i % 3 == 0:
            merchant.categories.remove(food)
        merchants.append(merchant)
    return merchants


def test_the_listing_sync_of_many_merchants_costs_as_many_statements_as_of_one(
    food, phones, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    one = _merchants_selling_food_and_phones(1, food, phones)
    thirty = _merchants_selling_food_and_phones(30, food, phones)
    with CaptureQueriesContext(connection) as for_one:
        assert services.sync_listings_of_merchants([m.pk for m in one]) == 2
    with django_assert_num_queries(len(for_one)):
        changed = services.sync_listings_of_merchants([m.pk for m in thirty])
    # restricted: both listings of the 15 suspended, food of the 5 others without food
    assert changed == 15 * 2 + 5
    for i, merchant in enumerate(thirty):
        statuses = dict(
            Product.objects.filter(merchant=merchant).values_list("category_id", "status")
        )
        food_blocked = i % 2 == 0 or i % 3 == 0
        assert statuses[food.pk] == ("restricted" if food_blocked else "listed")
        assert statuses[phones.pk] == ("restricted" if i % 2 == 0 else "listed")
    suspended = Product.objects.get(merchant=thirty[0], category=phones)
    assert suspended.status_cause == "selling_rights"
    assert suspended.status_reason_code == "selling_rights_blocked"
    assert "Suspension" in suspended.status_reason_text

    for merchant in thirty[::2]:
        Restriction.objects.filter(merchant=merchant).update(lifted_at=suspended.updated_at)
    with django_assert_num_queries(len(for_one)):
        relisted = services.sync_listings_of_merchants([m.pk for m in thirty])
    assert relisted == 15 * 2 - 5  # food of the suspended without food stays restricted
    assert [d.action for d in decisions_for(suspended)] == ["restrict", "relist"]


def _book_with_listings(count):
    """`count` live merchants in bulk, each with an owner, a business licence, a test report
    in `food` and two listings there; the licences of every third merchant expired
    yesterday, the others expire in 60 days."""
    import datetime

    from django.utils import timezone

    from core.models import User
    from merchants.models import Document, Membership, Merchant
    from tests.factories.core import CategoryFactory
    from tests.factories.merchants import credit_code

    today = timezone.localdate()
    food = CategoryFactory()
    upload = Upload.objects.create(
        original_name="x.pdf", content_type="application/pdf", size=1, sha256="0" * 64
    )
    merchants = Merchant.objects.bulk_create(
        [
            Merchant(
                legal_name=f"Book {i}",
                credit_code=credit_code(700_000 + i),
                contact_name="x",
                contact_email=f"book{i}@example.test",
                status="active",
            )
            for i in range(count)
        ]
    )
    owners = User.objects.bulk_create([User(username=f"book-owner-{i}") for i in range(count)])
    Membership.objects.bulk_create(
        [
            Membership(user=u, merchant=m, role="owner")
            for u, m in zip(owners, merchants, strict=True)
        ]
    )
    documents, products = [], []
    for i, merchant in enumerate(merchants):
        merchant.categories.add(food)
        expires = today + datetime.timedelta(days=-1 if i % 3 == 0 else 60)
        for kind, category in (("business_licence", None), ("test_report", food)):
            documents.append(
                Document(
                    merchant=merchant,
                    document_type=kind,
                    category=category,
                    number=f"{kind}-{i}",
                    issuer="AMR",
                    issued_on=datetime.date(2020, 1, 1),
                    expires_on=expires
                    if kind == "business_licence"
                    else today.replace(year=today.year + 1),
                    file=upload,
                    status="accepted",
                    verified_at=timezone.now(),
                )
            )
        products += [
            Product(merchant=merchant, category=food, sku=f"B{i}-{n}", title=f"B {i}", price=9)
            for n in (1, 2)
        ]
    Document.objects.bulk_create(documents)
    Product.objects.bulk_create(products, batch_size=1000)
    return merchants


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 30])
def test_the_daily_catch_up_restricts_listings_in_constant_statements_with_one_history_row_each(
    count, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """The first sweep over a book: the licences that expired restrict their merchants,
    whose listings the selling-rights listener restricts in one UPDATE. The same number of
    statements for 3 merchants as for 30, and the statement-level history trigger writes
    exactly one event per changed listing, with the row as it now is."""
    from django.contrib.contenttypes.models import ContentType

    from merchants.models import Document, Probation
    from merchants.services import run_daily_sweep
    from merchants.services.selling import after_restrictions_change

    merchants = _book_with_listings(count)
    for model in (Document, Restriction, Probation, Product):
        ContentType.objects.get_for_model(model)  # cached, as in a long-lived worker
    Event = Product.pgh_event_model
    before = Event.objects.count()

    # 3 or 30 merchants: the same statements. The listener runs once the sweep has
    # committed (its on_commit hook, called here as the hook calls it).
    with django_capture_on_commit_callbacks(), django_assert_num_queries(11):
        result = run_daily_sweep()
    with django_assert_num_queries(6):
        after_restrictions_change(result.merchant_ids)

    expired = {m.pk for i, m in enumerate(merchants) if i % 3 == 0}
    restricted = list(Product.objects.filter(status="restricted").order_by("pk"))
    assert {p.merchant_id for p in restricted} == expired
    assert len(restricted) == 2 * len(expired)
    assert Product.objects.filter(status="listed").count() == 2 * (count - len(expired))
    events = list(Event.objects.order_by("pgh_id")[before:])
    assert sorted(e.pgh_obj_id for e in events) == [p.pk for p in restricted]
    fields = [f.attname for f in Product._meta.concrete_fields]
    for event in events:
        product = next(p for p in restricted if p.pk == event.pgh_obj_id)
        assert event.pgh_label == "update"
        assert {f: getattr(event, f) for f in fields} == {f: getattr(product, f) for f in fields}
        assert product.status_cause == "selling_rights"
        assert product.status_reason_code == "selling_rights_blocked"
        assert product.status_reason_text
    assert len({e.pgh_context_id for e in events}) == 1  # the statement's context, once
