"""The public complaint and false-advertising forms: filing, the remedy list at the window
edges (through the form and its refresh endpoint), the purchase lookup, and bad input."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from complaints.models import Case, CaseKind, CaseMessage
from core.models import Upload
from tests import files
from tests.factories import CategoryFactory, ProductFactory
from tests.factories.reviews import PurchaseFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW = reverse("complaints:new-complaint")
REPORT = reverse("complaints:new-report")
REMEDIES = reverse("complaints:remedies")


@pytest.fixture(autouse=True)
def _generous_limits(settings):
    settings.COMPLAINTS_RATE_PER_IP = "1000/h"
    settings.COMPLAINTS_RATE_PER_CONTACT = "1000/h"


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def product(merchant_a):
    return ProductFactory(merchant=merchant_a, title="Electric kettle")


def complaint(item, **overrides):
    data = {
        "consumer_name": "Li Na",
        "consumer_email": "li@example.test",
        "consumer_phone": "",
        "order_number": "ORD-1",
        "delivered_on": "2026-11-01",
        "merchant": "",
        "product": str(item.pk),
        "complaint_type": Case.ComplaintType.QUALITY_DEFECT,
        "description": "The kettle leaks.",
        "desired_remedy": "",
    }
    data.update(overrides)
    return data


def verdicts(html: str) -> dict[str, bool]:
    return {
        remedy: eligible == "yes"
        for remedy, eligible in re.findall(r'data-remedy="(\w+)" data-eligible="(yes|no)"', html)
    }


# --- the remedy list at the edges of each window ------------------------------------------

EDGES = [
    # (local day and time, remedy, eligible): delivered 2026-11-01 in Shanghai.
    ("2026-11-08 23:59", "return", True),
    ("2026-11-09 00:01", "return", False),
    ("2026-11-16 23:59", "exchange", True),
    ("2026-11-17 00:01", "exchange", False),
    ("2026-12-01 23:59", "repair", True),
    ("2026-12-02 00:01", "repair", False),
]


@pytest.mark.parametrize(("when", "remedy", "eligible"), EDGES)
def test_the_form_shows_each_window_open_on_its_last_day_and_closed_the_day_after(
    client, product, when, remedy, eligible
):
    at = datetime.strptime(when, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)
    with time_machine.travel(at, tick=False):
        checked = client.post(NEW, {**complaint(product), "check": "1"})
        refreshed = client.get(REMEDIES, complaint(product))
    assert checked.status_code == 200
    assert verdicts(checked.content.decode())[remedy] is eligible
    assert verdicts(refreshed.content.decode())[remedy] is eligible
    assert not Case.objects.exists()  # checking files nothing


@pytest.mark.parametrize(("day", "eligible"), [("2026-11-08", True), ("2026-11-09", False)])
def test_the_7_day_return_is_refused_on_the_8th_day_when_filing(client, product, day, eligible):
    at = datetime.fromisoformat(day + "T10:00").replace(tzinfo=SHANGHAI)
    with time_machine.travel(at, tick=False):
        response = client.post(NEW, complaint(product, desired_remedy="return"))
    assert (response.status_code == 302) is eligible
    assert Case.objects.filter(desired_remedy="return").exists() is eligible
    if not eligible:
        assert "window ended on 2026-11-08" in response.content.decode()


def test_excluded_categories_have_no_no_reason_return_but_keep_exchange_and_repair(client):
    fresh_food = CategoryFactory(name_en="Fresh food", excluded_from_no_reason_return=True)
    product = ProductFactory(category=fresh_food)
    at = datetime(2026, 11, 3, 10, tzinfo=SHANGHAI)
    no_reason = {"complaint_type": Case.ComplaintType.NOT_AS_DESCRIBED}
    with time_machine.travel(at, tick=False):
        response = client.post(NEW, {**complaint(product, **no_reason), "check": "1"})
        html = response.content.decode()
        refused = client.post(NEW, complaint(product, desired_remedy="return", **no_reason))
    shown = verdicts(html)
    assert shown["return"] is False and shown["refund"] is False
    assert shown["exchange"] is True and shown["repair"] is True
    assert "excluded from the 7-day no-reason return" in html
    assert refused.status_code == 200 and not Case.objects.exists()


def test_a_quality_defect_gives_return_and_refund_in_an_excluded_category(client):
    fresh_food = CategoryFactory(name_en="Fresh food", excluded_from_no_reason_return=True)
    product = ProductFactory(category=fresh_food)
    with time_machine.travel(datetime(2026, 11, 3, 10, tzinfo=SHANGHAI), tick=False):
        html = client.post(NEW, {**complaint(product), "check": "1"}).content.decode()
        filed = client.post(NEW, complaint(product, desired_remedy="refund"))
    assert verdicts(html)["return"] is True and verdicts(html)["refund"] is True
    assert "whatever the category" in html
    assert filed.status_code == 302
    assert Case.objects.get().desired_remedy == "refund"


def test_sub_categories_inherit_the_exclusion_unless_they_override_it(client):
    food = CategoryFactory(name_en="Food", excluded_from_no_reason_return=True)
    fruit = CategoryFactory(name_en="Fruit", parent=food)
    dried = CategoryFactory(name_en="Dried fruit", parent=fruit, no_reason_return_overrides=True)
    no_reason = {"complaint_type": Case.ComplaintType.NOT_AS_DESCRIBED}
    with time_machine.travel(datetime(2026, 11, 3, 10, tzinfo=SHANGHAI), tick=False):
        inherited = client.get(REMEDIES, complaint(ProductFactory(category=fruit), **no_reason))
        overridden = client.get(REMEDIES, complaint(ProductFactory(category=dried), **no_reason))
    assert verdicts(inherited.content.decode())["return"] is False
    assert verdicts(overridden.content.decode())["return"] is True


def test_the_opened_question_is_asked_only_where_it_matters_and_decides(client):
    music = CategoryFactory(
        name_en="Music", excluded_from_no_reason_return=True, no_reason_return_opened_only=True
    )
    album = ProductFactory(category=music)
    kettle = ProductFactory()
    no_reason = {"complaint_type": Case.ComplaintType.NOT_AS_DESCRIBED}
    with time_machine.travel(datetime(2026, 11, 3, 10, tzinfo=SHANGHAI), tick=False):
        asked = client.post(NEW, {**complaint(album, **no_reason), "check": "1"})
        not_asked = client.post(NEW, {**complaint(kettle, **no_reason), "check": "1"})
        opened = client.post(
            NEW, complaint(album, goods_opened="opened", desired_remedy="return", **no_reason)
        )
        sealed = client.post(
            NEW, complaint(album, goods_opened="sealed", desired_remedy="return", **no_reason)
        )
    assert re.search(r"<p data-opened-question>", asked.content.decode())
    assert re.search(r"<p data-opened-question hidden>", not_asked.content.decode())
    assert 'data-opened-matters="yes"' in asked.content.decode()
    assert opened.status_code == 200 and "opened digital or audio-video" in opened.content.decode()
    assert sealed.status_code == 302
    assert Case.objects.get().goods_opened is False


def test_windows_come_from_the_versioned_policy(client, product):
    from core import policies

    with time_machine.travel(datetime(2026, 10, 1, tzinfo=SHANGHAI), tick=False):
        policies.publish("complaints.remedy_windows", value={"exchange_days": 20})
    no_reason = {"complaint_type": Case.ComplaintType.NOT_AS_DESCRIBED}
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=SHANGHAI), tick=False):
        html = client.get(REMEDIES, complaint(product, **no_reason)).content.decode()
    assert verdicts(html)["exchange"] is True
    assert "20-day window, open until 2026-11-21" in html
    assert "20-day exchange" in html


def test_delivery_problems_offer_compensation_or_reshipment_only(client, product):
    with time_machine.travel(datetime(2026, 11, 3, tzinfo=SHANGHAI), tick=False):
        response = client.get(
            REMEDIES, complaint(product, complaint_type="delivery", delivered_on="")
        )
        other = client.get(REMEDIES, complaint(product))
    assert verdicts(response.content.decode())["compensation"] is True
    assert verdicts(response.content.decode())["reshipment"] is True
    assert verdicts(other.content.decode())["compensation"] is False


# --- the stored purchase ------------------------------------------------------------------


def test_a_known_order_with_the_buyers_contact_takes_delivery_shop_and_product_from_it(client):
    purchase = PurchaseFactory(
        order_number="ORD-777",
        consumer="li@example.test",
        paid_at=datetime(2026, 9, 28, 12, tzinfo=SHANGHAI),
        delivered_at=datetime(2026, 10, 1, 12, tzinfo=SHANGHAI),
    )
    with time_machine.travel(datetime(2026, 11, 3, 10, tzinfo=SHANGHAI), tick=False):
        # The consumer typed a recent date and another product: the order record wins.
        response = client.post(
            NEW,
            complaint(
                ProductFactory(),
                order_number="ORD-777",
                consumer_email="LI@example.test",
                desired_remedy="",
            ),
        )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.delivered_at == purchase.delivered_at
    assert case.product == purchase.product and case.merchant == purchase.merchant


def test_a_known_order_with_someone_elses_contact_reveals_nothing_of_it(client, product):
    PurchaseFactory(
        order_number="ORD-888",
        consumer="owner@example.test",
        paid_at=datetime(2026, 9, 28, 12, tzinfo=SHANGHAI),
        delivered_at=datetime(2026, 10, 1, 12, tzinfo=SHANGHAI),
    )
    with time_machine.travel(datetime(2026, 11, 3, 10, tzinfo=SHANGHAI), tick=False):
        response = client.get(REMEDIES, complaint(product, order_number="ORD-888", delivered_on=""))
    html = response.content.decode()
    assert "2026-10" not in html  # no delivery date leaks through the windows
    assert verdicts(html)["exchange"] is False  # "only once the goods have been delivered"


# --- filing -------------------------------------------------------------------------------


def test_a_consumer_files_a_complaint_with_an_attachment_and_lands_on_the_case_page(
    client, product
):
    with time_machine.travel(datetime(2026, 11, 3, 10, tzinfo=SHANGHAI), tick=False):
        response = client.post(
            NEW, {**complaint(product, desired_remedy="exchange"), "attachment_1": files.png()}
        )
    case = Case.objects.get()
    assert response.status_code == 302
    token = response.url.rstrip("/").rsplit("/", 1)[-1]
    assert response.url == reverse("complaints:case", args=[token])
    assert case.tracking_token_hash != token and token not in case.tracking_token_hash
    assert case.channel == Case.Channel.WEB and case.kind == CaseKind.COMPLAINT
    assert case.desired_remedy == "exchange" and case.merchant == product.merchant
    assert case.delivered_at == datetime(2026, 11, 1, tzinfo=SHANGHAI)
    first = CaseMessage.objects.get(case=case)
    assert [u.original_name for u in first.attachments.all()] == ["photo.png"]
    page = client.get(response.url)
    assert case.reference in page.content.decode()


def test_a_consumer_reports_false_advertising_with_a_screenshot(client, product):
    response = client.post(
        REPORT,
        {
            "consumer_name": "Wang Fang",
            "consumer_email": "",
            "consumer_phone": "+86 138 0013 8000",
            "product": str(product.pk),
            "advertised_claim": "全网第一 (best on the whole web)",
            "claim_seen_at": "Product page, 2026-11-02",
            "description": "A superlative banned by the advertising law.",
            "evidence_1": files.upload("screenshot.jpg", files.jpeg_bytes(), "image/jpeg"),
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.kind == CaseKind.AD_REPORT and case.product == product
    assert case.advertised_claim.startswith("全网第一")
    assert case.messages.get().attachments.count() == 1


# --- bad input ----------------------------------------------------------------------------


def test_a_delivery_date_in_the_future_is_refused(client, product):
    with time_machine.travel(datetime(2026, 11, 3, 10, tzinfo=SHANGHAI), tick=False):
        response = client.post(NEW, complaint(product, delivered_on="2026-11-04"))
    assert response.status_code == 200
    assert "The delivery date cannot be in the future." in response.content.decode()
    assert not Case.objects.exists()


def test_errors_are_translated(client, product):
    client.cookies["django_language"] = "zh-hans"
    with time_machine.travel(datetime(2026, 11, 3, 10, tzinfo=SHANGHAI), tick=False):
        response = client.post(NEW, complaint(product, delivered_on="2026-11-04"))
    html = response.content.decode()
    assert "The delivery date cannot be in the future." not in html
    assert "签收时间不能晚于现在。" in html


def test_a_file_of_the_wrong_type_is_refused_and_nothing_is_stored(client, product):
    response = client.post(
        NEW,
        {
            **complaint(product),
            "attachment_1": files.png(),
            "attachment_2": files.upload("invoice.pdf", files.ELF_HEADER, "application/pdf"),
        },
    )
    assert response.status_code == 200
    assert "Only PDF, JPEG or PNG files are accepted" in response.content.decode()
    assert not Case.objects.exists() and not Upload.objects.exists()


def test_a_service_refusal_after_the_files_were_stored_leaves_nothing_behind(
    client, product, settings, monkeypatch
):
    """The engine refuses (here: its own remedy re-check) after the attachments were
    written: the transaction rolls the rows back and the written files are removed."""
    from complaints.services import intake

    def refuse(*args, **kwargs):
        from core.exceptions import DomainError

        raise DomainError("refused by the engine")

    monkeypatch.setattr(intake, "_open_case", refuse)
    response = client.post(NEW, {**complaint(product), "attachment_1": files.png()})
    assert response.status_code == 200
    assert "refused by the engine" in response.content.decode()
    assert not Upload.objects.exists() and not Case.objects.exists()
    stored = list((settings.PRIVATE_MEDIA_ROOT).rglob("*")) if settings.PRIVATE_MEDIA_ROOT else []
    assert [p for p in stored if p.is_file()] == []


def test_a_contact_and_a_shop_or_product_are_required(client, product):
    response = client.post(
        NEW, complaint(product, consumer_email="", consumer_phone="", product="")
    )
    html = response.content.decode()
    assert "Give an email address or a phone number" in html
    assert "Choose the shop or give the product number." in html
    assert not Case.objects.exists()


def test_an_unknown_product_number_is_a_form_error(client, product):
    response = client.post(REPORT, {"product": "999999", "consumer_name": "x"})
    assert "There is no product with this number." in response.content.decode()


def test_posts_need_the_csrf_token(product):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.get(NEW)
    response = strict.post(NEW, complaint(product))
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_a_web_filing_mails_the_case_link_after_commit_and_it_opens_the_case(
    client, product, django_capture_on_commit_callbacks
):
    from django.core import mail

    at = datetime(2026, 11, 3, 10, tzinfo=SHANGHAI)
    with (
        time_machine.travel(at, tick=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = client.post(NEW, complaint(product))
        assert mail.outbox == []  # nothing before commit
    assert response.status_code == 302 and callbacks
    (message,) = mail.outbox
    case = Case.objects.get()
    assert message.to == ["li@example.test"] and case.reference in message.subject
    link = re.search(r"https?://\S+(/complaints/case/[^/\s]+/)", message.body).group(1)
    assert link == response["Location"]  # the page the consumer was shown
    with time_machine.travel(at, tick=False):
        page = client.get(link)
    assert page.status_code == 200 and case.reference in page.content.decode()


def test_a_refused_filing_mails_nothing(client, product, django_capture_on_commit_callbacks):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(NEW, complaint(product, description=""))
    assert response.status_code == 200 and mail.outbox == [] and not Case.objects.exists()


def test_the_remedy_list_is_a_fragment_for_the_script_and_a_whole_page_when_opened(client, db):
    fragment = client.get(REMEDIES, HTTP_X_REQUESTED_WITH="fetch").content.decode()
    assert 'id="remedies"' in fragment and "<html" not in fragment
    page = client.get(REMEDIES, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="remedies"' in page and '<html lang="en">' in page
    assert "<title>Remedies for this purchase</title>" in page
    assert f'href="{reverse("complaints:new-complaint")}" data-testid="back-to-form"' in page
