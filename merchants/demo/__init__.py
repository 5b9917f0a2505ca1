# ruff: noqa: RUF001 - Chinese demo text uses full-width punctuation
"""Demo merchants: two with logins (A and B) and others in every state, with documents
(some near expiry, some expired), applications in every workflow state, the agreement,
training sessions and a probation."""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from core.audit import record_decision
from core.demo import DEMO_PASSWORD, user
from core.models import Category
from merchants.models import (
    AgreementAcceptance,
    AgreementVersion,
    Application,
    CategoryDocumentRule,
    Document,
    Membership,
    Merchant,
    Probation,
    TrainingAttendance,
    TrainingSession,
)

MERCHANTS = [
    # credit code, name, status, login, application status
    (
        "91350100M000100Y43",
        "福州优品食品有限公司",
        Merchant.Status.ACTIVE,
        "merchant_a",
        "approved",
    ),
    (
        "91110000802100433B",
        "北京星辰数码科技有限公司",
        Merchant.Status.PROBATION,
        "merchant_b",
        "approved",
    ),
    ("91310115MA1H7GQK2B", "上海织锦服饰有限公司", Merchant.Status.ONBOARDING, None, "submitted"),
    ("91440300MA5DC9XN4E", "深圳快达电器有限公司", Merchant.Status.SUSPENDED, None, "approved"),
    (
        "91330100MA27XK5L1C",
        "杭州青禾茶业有限公司",
        Merchant.Status.ONBOARDING,
        "applicant",
        "draft",
    ),
    (
        "91320500MA1MXR2D7F",
        "苏州锦程家纺有限公司",
        Merchant.Status.ONBOARDING,
        None,
        "under_review",
    ),
    (
        "91420100MA4KWL3P9G",
        "武汉长江书局有限公司",
        Merchant.Status.ONBOARDING,
        None,
        "needs_changes",
    ),
    ("91510100MA6CU84R2H", "成都蜀香食品有限公司", Merchant.Status.ONBOARDING, None, "rejected"),
    ("91370200MA3P6T1X0J", "青岛海风电子有限公司", Merchant.Status.TERMINATED, None, "approved"),
]
CATEGORY_CODES = {
    "merchant_a": ["food", "fresh", "snacks"],
    "merchant_b": ["electronics", "phones", "small-appliances"],
}
DEFAULT_CATEGORIES = ["apparel"]
AGREEMENT_ZH = (
    "一、商家对其在平台销售的商品质量承担法律责任，保证商品符合国家标准、行业标准及平台商品质量标准。\n"
    "二、商家应如实上传营业执照、产品质量检测报告等资质文件，并在有效期届满前及时更新。\n"
    "三、商家应配合平台的抽检、投诉处理及违规处置。"
)
AGREEMENT_EN = (
    "1. The merchant is legally responsible for the quality of the goods it sells on the "
    "platform and guarantees that they meet national, industry and platform standards.\n"
    "2. The merchant uploads truthful qualification documents (business licence, product "
    "quality test reports) and renews them before they expire.\n"
    "3. The merchant cooperates with spot checks, complaint handling and sanctions."
)


def _pdf():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile("document.pdf", buffer.getvalue(), content_type="application/pdf")


def _document(merchant, number, document_type, category=None, *, expires_in, status="accepted"):
    from core.uploads import store_upload

    if Document.objects.filter(merchant=merchant, number=number).exists():
        return
    today = timezone.localdate()
    Document.objects.create(
        merchant=merchant,
        document_type=document_type,
        category=category,
        number=number,
        issuer="市场监督管理局" if document_type == "business_licence" else "国家质检中心",
        issued_on=today - timedelta(days=400),
        expires_on=today + timedelta(days=expires_in),
        file=store_upload(_pdf()),
        status=status,
        verified_at=timezone.now() - timedelta(days=30) if status == "accepted" else None,
        reviewed_at=timezone.now() - timedelta(days=30) if status != "pending" else None,
        reason_code="illegible" if status == "rejected" else "",
    )


@transaction.atomic
def seed(log):
    from merchants.credit_code import check_character

    now = timezone.now()
    agreement, _created = AgreementVersion.objects.get_or_create(
        version=1,
        defaults={
            "title_zh": "商家入驻与质量责任协议",
            "title_en": "Merchant agreement and quality responsibility",
            "text_zh": AGREEMENT_ZH,
            "text_en": AGREEMENT_EN,
            "published_at": now - timedelta(days=365),
        },
    )
    past_session, _ = TrainingSession.objects.get_or_create(
        title="商家入驻培训（第 1 期）",
        defaults={"starts_at": now - timedelta(days=60), "location": "线上"},
    )
    TrainingSession.objects.get_or_create(
        title="商家入驻培训（第 2 期）",
        defaults={"starts_at": now + timedelta(days=7), "location": "线上"},
    )
    food = Category.objects.filter(code="food").first()
    if food:
        CategoryDocumentRule.objects.get_or_create(
            category=food, document_type="food_licence", defaults={"note": "食品经营许可证"}
        )
    for code, name, status, login, application_status in MERCHANTS:
        code = code[:17] + check_character(code[:17])
        merchant, created = Merchant.objects.get_or_create(
            credit_code=code,
            defaults={
                "legal_name": name,
                "contact_name": "张伟",
                "status": status,
                "contact_email": f"contact-{code[-4:].lower()}@demo.example",
            },
        )
        codes = CATEGORY_CODES.get(login, DEFAULT_CATEGORIES)
        categories = list(Category.objects.filter(code__in=codes))
        merchant.categories.add(*categories)
        if created and merchant.status != Merchant.Status.ONBOARDING:
            merchant.went_live_at = now - timedelta(days=20)
            merchant.save(update_fields=["went_live_at"])
        if login:
            account = user(login, first_name=name)
            Membership.objects.get_or_create(
                user=account, defaults={"merchant": merchant, "role": Membership.Role.OWNER}
            )
            log(f"  {login:<10} {DEMO_PASSWORD}  merchant owner: {name}")
        if created:
            application = Application.objects.create(
                merchant=merchant,
                status=application_status,
                submitted_at=None if application_status == "draft" else now - timedelta(days=3),
            )
            record_decision(application, action="demo", to_state=application_status)
        if merchant.status == Merchant.Status.PROBATION and not merchant.probations.exists():
            probation = Probation.objects.create(
                merchant=merchant,
                starts_at=now - timedelta(days=20),
                ends_at=now + timedelta(days=70),
                first_spot_check_due_at=now + timedelta(days=10),
            )
            merchant.probation_ends_at = probation.ends_at
            merchant.save(update_fields=["probation_ends_at"])
        if merchant.status == Merchant.Status.ONBOARDING and application_status == "draft":
            continue
        owner = merchant.memberships.filter(role="owner").first()
        if owner and merchant.status != Merchant.Status.ONBOARDING:
            AgreementAcceptance.objects.get_or_create(
                merchant=merchant,
                version=agreement,
                defaults={"user": owner.user, "accepted_at": now - timedelta(days=30)},
            )
        if merchant.status != Merchant.Status.ONBOARDING:
            TrainingAttendance.objects.get_or_create(
                session=past_session, merchant=merchant, defaults={"completed_at": now}
            )
        # Documents: a licence, then test reports near expiry, expired and fine.
        suffix = code[-4:]
        pending = merchant.status == Merchant.Status.ONBOARDING
        state = "pending" if pending else "accepted"
        if application_status == "needs_changes":
            state = "rejected"
        _document(merchant, f"LIC-{suffix}", "business_licence", expires_in=25, status=state)
        for index, category in enumerate(categories):
            expires_in = [5, -3, 200][index % 3]
            if pending:
                expires_in = 300
            _document(
                merchant,
                f"TR-{suffix}-{category.code}",
                "test_report",
                category,
                expires_in=expires_in,
                status=state,
            )
    log("  merchants: every state, documents near expiry (5 days) and expired (3 days ago)")


def seed_late(log):
    """Standing last: its sanction restricts merchant A, which must first have listed its
    products (so the demo also shows the restriction cascading to listings)."""
    from merchants.demo import standing, training

    standing.seed(log)
    training.seed(log)
