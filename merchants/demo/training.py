"""Demo training: a yearly quality programme for all merchants (with a quiz), a food-safety
programme for food sellers, a high-risk-tier refresher, a Consumer Service staff programme,
an expert session and an experience exchange. Merchant A has completed the yearly programme
(certificate in the portal); merchant B's food-safety training is overdue.

Programme titles and summaries are kept in Chinese and English (the reader's language picks);
modules, quiz, materials and sessions have one text each and are written in Chinese, the
language merchants on the platform read.

Idempotent: programmes are found by code, sessions by title; publishing and assignment happen
once (a published version is left alone)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from core.models import Category
from merchants.models import (
    Membership,
    QuizQuestion,
    TrainingAssignment,
    TrainingMaterial,
    TrainingModule,
    TrainingProgramme,
    TrainingSession,
)
from merchants.services import training

PROGRAMMES = [
    {
        "code": "quality-yearly",
        "title": "年度商品质量培训",
        "title_en": "Yearly product quality training",
        "summary": "质量责任、抽检与售后规则。",
        "summary_en": "Quality responsibility, spot checks, after-sales.",
        "audience": "all_merchants",
        "recurrence_months": 12,
        "window_days": 30,
        "pass_mark": 80,
        "modules": [
            ("质量责任", "《电子商务法》第 38 条:商家对商品质量负责。"),
            ("抽检与整改", "抽检不合格的批次须下架并整改。"),
        ],
        "questions": [
            ("谁对所售商品的质量负责?", "平台\n商家\n消费者", 2),
            ("抽检不合格后应当?", "继续销售\n下架并整改\n降价", 2),
        ],
    },
    {
        "code": "food-safety",
        "title": "食品安全培训",
        "title_en": "Food safety training",
        "summary": "食品类目商家必修。",
        "summary_en": "Required for food sellers.",
        "audience": "categories",
        "categories": ["food", "fresh", "snacks"],
        "window_days": 10,
        "modules": [("冷链与保质期", "生鲜须全程冷链。")],
    },
    {
        "code": "high-risk-refresher",
        "title": "高风险商家整改培训",
        "title_en": "High-risk merchant refresher",
        "audience": "risk_tier",
        "risk_tier": "high",
        "window_days": 21,
        "modules": [("投诉与时限", "24 小时内首次回复。")],
    },
    {
        "code": "cs-service",
        "title": "客服服务规范培训",
        "title_en": "Consumer Service standards",
        "audience": "staff",
        "department": "consumer_service",
        "recurrence_months": 6,
        "window_days": 30,
        "modules": [("投诉受理", "记录、分类、在时限内答复。")],
    },
]


def _programme(spec, actor, now) -> TrainingProgramme:
    existing = TrainingProgramme.objects.filter(code=spec["code"]).order_by("-version").first()
    if existing is not None:
        return existing
    programme = TrainingProgramme.objects.create(
        code=spec["code"],
        title=spec["title"],
        title_en=spec.get("title_en", ""),
        summary=spec.get("summary", ""),
        summary_en=spec.get("summary_en", ""),
        audience=spec["audience"],
        risk_tier=spec.get("risk_tier", ""),
        department=Group.objects.filter(name=spec.get("department", "")).first(),
        recurrence_months=spec.get("recurrence_months", 0),
        window_days=spec["window_days"],
        pass_mark=spec.get("pass_mark"),
    )
    if spec.get("categories"):
        programme.categories.set(Category.objects.filter(code__in=spec["categories"]))
    for order, (title, body) in enumerate(spec["modules"], start=1):
        module = TrainingModule.objects.create(
            programme=programme, order=order, title=title, body=body
        )
        TrainingMaterial.objects.create(
            module=module,
            title="国家市场监督管理总局",
            url="https://www.samr.gov.cn/",
        )
    for order, (text, choices, correct) in enumerate(spec.get("questions", []), start=1):
        QuizQuestion.objects.create(
            programme=programme, order=order, text=text, choices=choices, correct_choice=correct
        )
    training.publish_programme(programme, actor=actor, now=now)
    return programme


def _member(login):
    return (
        Membership.objects.select_related("merchant", "user").filter(user__username=login).first()
    )


@transaction.atomic
def seed(log):
    User = get_user_model()
    mm = User.objects.filter(username="mm").first()
    if mm is None:
        log("training: no Merchant Management demo user; skipped")
        return
    now = timezone.now()
    programmes = {}
    for spec in PROGRAMMES:
        # Published in the past so the demo shows due dates, an overdue one and a restriction.
        programmes[spec["code"]] = _programme(spec, mm, now - timedelta(days=20))
    owner_a, owner_b = _member("merchant_a"), _member("merchant_b")
    yearly = programmes["quality-yearly"]
    if owner_a is not None:
        assignment = TrainingAssignment.objects.filter(
            programme=yearly, merchant=owner_a.merchant
        ).first()
        if assignment is not None and assignment.status == "open":
            training.finish_modules(assignment, actor=owner_a.user)
            window = training.start_quiz(assignment, actor=owner_a.user)
            answers = {str(q.pk): q.correct_choice for q in yearly.questions.all()}
            training.submit_quiz(
                assignment, answers=answers, actor=owner_a.user, token=window["token"]
            )
    if owner_b is not None:
        food = Category.objects.filter(code="food").first()
        if food is not None:
            owner_b.merchant.categories.add(food)
            training.assign_entering(
                merchant_ids=[owner_b.merchant_id], now=now - timedelta(days=20)
            )
    staff_cs = Group.objects.filter(name="consumer_service").first()
    starts = now + timedelta(days=10)
    TrainingSession.objects.get_or_create(
        title="行业专家讲座:食品标签合规",
        defaults={
            "kind": TrainingSession.Kind.EXPERT,
            "is_onboarding": False,
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=2),
            "location": "线上:https://meeting.example.test/food-labels",
            "speaker": "王教授(食品法)",
            "capacity": 100,
            "programme": programmes["food-safety"],
        },
    )
    TrainingSession.objects.get_or_create(
        title="商家经验交流会",
        defaults={
            "kind": TrainingSession.Kind.EXCHANGE,
            "is_onboarding": False,
            "starts_at": now + timedelta(days=24),
            "location": "杭州 3 号会议室",
            "capacity": 30,
        },
    )
    TrainingSession.objects.get_or_create(
        title="客服案例复盘",
        defaults={
            "kind": TrainingSession.Kind.ONLINE,
            "is_onboarding": False,
            "for_staff": True,
            "starts_at": now + timedelta(days=5),
            "location": "线上",
            "capacity": 20,
            "programme": programmes["cs-service"],
        },
    )
    result = training.sweep_training(now=now)
    log(
        f"training: {len(programmes)} programmes, "
        f"{TrainingAssignment.objects.count()} assignments, "
        f"{staff_cs.user_set.count() if staff_cs else 0} Consumer Service staff, "
        f"sweep {result.reminders} reminders / {result.overdue} overdue / "
        f"{result.restricted} restricted"
    )
