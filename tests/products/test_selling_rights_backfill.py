"""Listings restricted for selling rights before the codes hold their reasons as sentences
joined by a space, in the writer's language; the migration parses them against what their
merchant and category can give and stores the code, read in each reader's language; what it
cannot read exactly stays as written (issue 19)."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import translation

from core.decision_labels import reason_label
from core.models import Decision
from merchants import reason_texts
from merchants.services.selling import SellingRights
from products.models import Product
from tests.factories.core import CategoryFactory
from tests.factories.merchants import MerchantFactory
from tests.factories.products import ProductFactory
from tests.languages import in_both

pytestmark = pytest.mark.django_db
forwards = importlib.import_module(
    "products.migrations.0015_selling_rights_reason_backfill"
).forwards


def _codes(category, merchant):
    return [
        (reason_texts.MERCHANT_NOT_LIVE, {"status": "suspended"}),
        (reason_texts.NO_TEST_REPORT, {"category": category.pk}),
        (
            reason_texts.RESTRICTION_IN_FORCE,
            {"merchant": merchant.legal_name, "kind": "sales_restriction", "category": category.pk},
        ),
        (
            reason_texts.RESTRICTION_IN_FORCE,
            {"merchant": merchant.legal_name, "kind": "suspension", "category": None},
        ),
    ]


def _old(language, codes):
    """The text the sync wrote before the codes: the sentences joined by a space."""
    with translation.override(language):
        return " ".join(SellingRights(allowed=False, codes=codes).reasons)


def _restricted(merchant, category, text):
    product = ProductFactory(merchant=merchant, category=category)
    Product.objects.filter(pk=product.pk).update(
        status=Product.Status.RESTRICTED,
        status_cause=Product.Cause.SELLING_RIGHTS,
        status_reason=text,
    )
    decision = Decision.objects.create(
        content_type=ContentType.objects.get_for_model(Product),
        object_id=str(product.pk),
        action="restrict",
        reason=text,
        data={"cause": "selling_rights"},
    )
    return product, decision


def test_old_joined_selling_rights_texts_become_codes_in_either_language():
    merchant = MerchantFactory(legal_name="Tea Co. (Hangzhou): Ltd")
    tea = CategoryFactory(name_en="Green tea", name_zh="绿茶")
    codes = _codes(tea, merchant)
    en_product, en_decision = _restricted(merchant, tea, _old("en", codes))
    zh_product, zh_decision = _restricted(merchant, tea, _old("zh-hans", codes[1:3]))
    renamed = CategoryFactory(name_en="Black tea", name_zh="红茶")
    stale_text = _old("en", [(reason_texts.CATEGORY_NOT_APPROVED, {"category": renamed.pk})])
    renamed.name_en, renamed.name_zh = "Dark tea", "黑茶"
    renamed.save()
    stale, _d = _restricted(merchant, renamed, stale_text)
    truncated, _t = _restricted(merchant, tea, _old("en", codes)[:60])
    typed, _y = _restricted(merchant, tea, "Held back by staff")
    forwards(apps, SimpleNamespace(connection=connection))
    for row in (en_product, en_decision, zh_product, zh_decision, stale, truncated, typed):
        row.refresh_from_db()
    expected = [{"code": code, "params": params} for code, params in codes]
    assert (en_product.status_reason, en_product.status_reason_code) == (
        "",
        reason_texts.SELLING_RIGHTS_BLOCKED,
    )
    assert en_product.status_reason_params == {"reasons": expected}
    assert in_both(lambda: en_product.status_reason_text) == (
        _old("en", codes),
        _old("zh-hans", codes),
    )
    assert en_decision.data["reason_params"] == {"reasons": expected}
    assert in_both(lambda: reason_label(en_decision)) == (_old("en", codes), _old("zh-hans", codes))
    assert zh_product.status_reason_params == {"reasons": expected[1:3]}
    assert zh_decision.reason == ""
    for kept in (stale, truncated, typed):
        assert kept.status_reason_code == ""
    assert stale.status_reason == stale_text
    assert typed.status_reason == "Held back by staff"
