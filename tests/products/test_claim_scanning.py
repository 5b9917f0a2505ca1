# ruff: noqa: RUF001 - CJK punctuation is part of the texts under test
import pytest
from django.utils import timezone

from core.audit import decisions_for
from core.exceptions import DomainError
from merchants.models import ViolationEntry
from products import services
from products.models import ClaimFlag, ClaimPhrase, ClaimTerm, Product, ScanRun
from tests.factories.products import ProductFactory


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what services schedule after commit (the rescan task) as the test goes."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def create(merchant, category, title, description="", sku="S-1"):
    return services.create_product(
        merchant=merchant,
        category=category,
        sku=sku,
        title=title,
        description=description,
        price="10",
    )


def test_a_claim_in_a_new_listing_is_flagged_but_the_product_stays_listed(seller_a, food):
    product = create(seller_a, food, "全网最低价 五常大米", "口感顶 级，第一次吃就爱上")
    assert product.status == Product.Status.LISTED
    flags = {(f.field, f.term_text): f for f in product.claim_flags.all()}
    assert set(flags) == {("title", "全网最低"), ("description", "顶级")}
    description_flag = flags[("description", "顶级")]
    assert description_flag.matched == "顶 级"
    assert product.description[description_flag.start : description_flag.end] == "顶 级"
    assert description_flag.status == ClaimFlag.Status.OPEN


def test_a_lawful_use_is_flagged_with_the_reason_it_may_be_exempt(seller_a, food):
    product = create(seller_a, food, "第一坊™ 手工挂面")
    (flag,) = product.claim_flags.all()
    assert (flag.exemption_hint, flag.exemption_detail) == ("trademark", "™")


def test_editing_the_text_closes_flags_that_no_longer_match_and_opens_new_ones(
    seller_a, food, owner_a
):
    product = create(seller_a, food, "销量第一 卫衣")
    services.update_product(product=product, by=owner_a, title="爆款卫衣 史上最强保暖")
    statuses = dict(product.claim_flags.values_list("term_text", "status"))
    assert statuses == {"第一": "obsolete", "史上最": "open"}


def test_changing_only_the_price_does_not_rescan(seller_a, food, owner_a):
    product = create(seller_a, food, "销量第一 卫衣")
    ClaimTerm.objects.filter(text="第一").update(active=False, updated_at=timezone.now())
    services.update_product(product=product, by=owner_a, price="12")
    assert product.claim_flags.get().status == "open"


def test_clearing_needs_a_reason_and_survives_a_rescan(seller_a, food, role_user, on_commit):
    qm = role_user("quality_management")
    product = create(seller_a, food, "荣获“最佳口感奖” 手工月饼")
    flag = product.claim_flags.get()
    with pytest.raises(DomainError):
        services.clear_flags(flag_ids=[flag.pk], by=qm, reason="")
    services.clear_flags(flag_ids=[flag.pk], by=qm, reason="Award certificate on file")
    flag.refresh_from_db()
    assert (flag.status, flag.decided_by, flag.reason) == (
        "cleared",
        qm,
        "Award certificate on file",
    )
    with on_commit():
        run = services.request_rescan(by=qm)
    run.refresh_from_db()
    assert run.status == ScanRun.Status.DONE
    flag.refresh_from_db()
    assert flag.status == "cleared"
    assert [d.action for d in decisions_for(flag)] == ["cleared"]
    with pytest.raises(DomainError, match="Only open flags"):
        services.clear_flags(flag_ids=[flag.pk], by=qm, reason="again")


def test_restricting_for_a_claim_restricts_the_listing_and_records_the_decision(
    seller_a, food, role_user
):
    qm = role_user("quality_management")
    product = create(seller_a, food, "国家级大师 紫砂壶", "世界级工艺")
    flag_ids = list(product.claim_flags.values_list("pk", flat=True))
    assert len(flag_ids) == 2
    restricted = services.restrict_for_claims(flag_ids=flag_ids, by=qm, reason="Art. 9(3)")
    assert restricted == [product]
    product.refresh_from_db()
    assert (product.status, product.status_cause) == ("restricted", "ad_claim")
    assert "国家级" in product.status_evidence
    assert set(product.claim_flags.values_list("status", flat=True)) == {"actioned"}
    assert decisions_for(product).last().action == "restrict"
    [entry] = ViolationEntry.objects.filter(merchant=product.merchant)
    assert entry.rule_code == "false_advertising_substantiated"
    assert entry.evidence.product == product


def test_rescan_is_idempotent(seller_a, food, on_commit):
    titles = ["销量第一 卫衣", "No.1 earbuds", "plain rice", "最 佳 口感 苹果", "第一次买"]
    for title in titles:
        ProductFactory(merchant=seller_a, category=food, title=title, description="")
    with on_commit():
        first = services.request_rescan()
    first.refresh_from_db()
    snapshot = sorted(
        ClaimFlag.objects.values_list("product_id", "field", "term_text", "status", "start")
    )
    assert len(snapshot) == 3
    assert (first.status, first.processed, first.flags_new) == ("done", 5, 3)
    with on_commit():
        second = services.request_rescan()
    second.refresh_from_db()
    assert (second.processed, second.flags_new, second.flags_closed) == (5, 0, 0)
    assert (
        sorted(ClaimFlag.objects.values_list("product_id", "field", "term_text", "status", "start"))
        == snapshot
    )
    # Running a finished run again does nothing.
    services.run_rescan(second.pk)
    assert ClaimFlag.objects.count() == 3


def test_rescan_resumes_after_the_last_finished_batch(seller_a, food):
    products = [
        ProductFactory(merchant=seller_a, category=food, title=f"第一 {i}") for i in range(5)
    ]
    run = ScanRun.objects.create(total=5, status=ScanRun.Status.RUNNING, cursor=products[2].pk)
    services.run_rescan(run.pk, batch=2)
    run.refresh_from_db()
    assert (run.status, run.processed) == ("done", 2)
    assert set(ClaimFlag.objects.values_list("product_id", flat=True)) == {
        p.pk for p in products[3:]
    }


def test_a_superseded_run_stops(seller_a, food):
    ProductFactory(merchant=seller_a, category=food, title="第一")
    run = ScanRun.objects.create(total=1, status=ScanRun.Status.SUPERSEDED)
    services.run_rescan(run.pk)
    assert not ClaimFlag.objects.exists()


def test_changing_the_list_rescans_everything(seller_a, food, role_user, on_commit):
    qm = role_user("quality_management")
    product = ProductFactory(merchant=seller_a, category=food, title="冠军品质 挂面")
    with on_commit():
        services.save_claim_term(term=ClaimTerm(text="冠军", category="rank_first"), by=qm)
    assert product.claim_flags.get().term_text == "冠军"
    run = ScanRun.objects.latest("created_at")
    assert (run.status, run.requested_by) == ("done", qm)

    with on_commit():
        services.save_claim_phrase(phrase=ClaimPhrase(text="冠军品质", kind="context"), by=qm)
    assert product.claim_flags.get().status == "obsolete"

    phrase = ClaimPhrase.objects.get(text="冠军品质")
    with on_commit():
        services.set_list_entries_active(
            queryset=ClaimPhrase.objects.filter(pk=phrase.pk), active=False, by=qm
        )
    assert product.claim_flags.get().status == "open"


def test_duplicate_or_empty_list_entries_are_refused(db):
    with pytest.raises(DomainError):
        services.save_claim_term(term=ClaimTerm(text="最佳", category="superlative"))
    with pytest.raises(DomainError):
        services.save_claim_term(term=ClaimTerm(text="  ", category="superlative"))


def test_check_text_explains_each_hit_without_storing_anything(db):
    feedback = services.check_text(title="顶级®茶叶", description="全网最低价")
    assert [(f.field, f.term, f.exemption) for f in feedback] == [
        ("title", "顶级", "trademark"),
        ("description", "全网最低", ""),
    ]
    assert "art. 9(3)" in feedback[1].explanation
    assert "registered trademark" in feedback[0].exemption_note
    assert not ClaimFlag.objects.exists()


def test_a_term_explanation_written_by_staff_is_preferred(db):
    ClaimTerm.objects.filter(text="首选").update(explanation_en="Nobody can prove first choice.")
    (feedback,) = services.check_text(title="宝宝首选")
    assert feedback.explanation == "Nobody can prove first choice."
