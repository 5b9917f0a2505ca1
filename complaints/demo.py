"""Demo cases in every state, two of them minutes from a threshold so that the running demo
(beat + worker) raises SLA alerts on its own."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from complaints import services
from complaints.models import Case
from core.demo import user
from core.roles import Role
from merchants.models import Merchant

MARK = "DEMO-"


def _file(merchant, n, *, ago, **kwargs):
    return services.file_case(
        merchant=merchant,
        consumer_name=kwargs.pop("name", "李娜"),
        consumer_email=f"consumer{n}@demo.example",
        order_number=f"{MARK}{n:04d}",
        description=kwargs.pop("description", "收到的电水壶底部漏水。"),
        complaint_type=kwargs.pop("complaint_type", Case.ComplaintType.QUALITY_DEFECT),
        desired_remedy=kwargs.pop("desired_remedy", Case.Remedy.EXCHANGE),
        delivered_at=timezone.now() - timedelta(days=3),
        received_at=timezone.now() - ago,
        channel=kwargs.pop("channel", Case.Channel.WEB),
        **kwargs,
    )


@transaction.atomic
def seed(log):
    if Case.objects.filter(order_number__startswith=MARK).exists():
        return
    merchant = Merchant.objects.filter(memberships__user__username="merchant_a").first()
    if merchant is None:
        return
    agent = user("cs", staff=True, role=Role.CONSUMER_SERVICE)
    merchant_owner = merchant.memberships.first().user

    _file(merchant, 1, ago=timedelta(minutes=30))  # new, waiting for assignment
    soon_at_risk = _file(merchant, 2, ago=timedelta(hours=17, minutes=52))
    services.assign(case=soon_at_risk, to=agent)  # response at risk in ~8 minutes
    soon_breached = _file(merchant, 3, ago=timedelta(hours=23, minutes=55), priority=3)
    services.assign(case=soon_breached, to=agent)  # response breached in ~5 minutes

    paused = _file(merchant, 4, ago=timedelta(hours=5), channel=Case.Channel.PHONE)
    services.assign(case=paused, to=agent)
    services.ask_consumer(case=paused, by=agent, question="请上传漏水位置的照片。")

    with_merchant = _file(merchant, 5, ago=timedelta(hours=2))
    services.assign(case=with_merchant, to=agent)
    services.respond(case=with_merchant, by=agent, text="已收到, 正在联系商家。")
    services.ask_merchant(case=with_merchant, by=agent, question="请说明该批次产品的质检情况。")

    answered = _file(merchant, 6, ago=timedelta(hours=20), channel=Case.Channel.EMAIL)
    services.assign(case=answered, to=agent)
    services.ask_merchant(case=answered, by=agent, question="请确认是否同意换货。")
    services.merchant_answer(case=answered, by=merchant_owner, text="同意换货, 今日发出。")

    closed = _file(merchant, 7, ago=timedelta(days=2), desired_remedy=Case.Remedy.REFUND)
    services.assign(case=closed, to=agent)
    services.resolve(case=closed, by=agent, outcome=Case.Outcome.REFUND, message="已全额退款。")
    services.close(case=closed, by=agent)
    services.rate(case=closed, rating=5, comment="处理很快")
    escalated = _file(
        merchant, 8, ago=timedelta(hours=30), complaint_type=Case.ComplaintType.DELIVERY
    )
    services.assign(case=escalated, to=agent)
    services.respond(case=escalated, by=agent, text="已联系物流核实。")
    services.escalate(case=escalated, by=agent, reason="同一商家本周第三次物流破损投诉。")
    services.ask_merchant(case=escalated, by=agent, question="请提供发货包装照片。")
    services.propose_outcome(
        case=escalated,
        by=merchant_owner,
        outcome=Case.Outcome.COMPENSATION,
        note="全额赔偿 199 元, 并补发一件。",
    )
    log(
        "  complaints: 8 demo cases (two reach an SLA threshold within minutes, one escalated"
        " with a merchant proposal)"
    )
    _seed_incident(merchant, log)


def _seed_incident(merchant, log):
    """A counterfeit complaint about a listed product: its quality incident is contained
    (the listing suspended while Quality Management investigates)."""
    from complaints.services import incidents
    from products.models import Product

    product = Product.objects.filter(merchant=merchant, status=Product.Status.LISTED).first()
    if product is None:
        return
    case = _file(
        merchant,
        9,
        ago=timedelta(hours=3),
        product=product,
        complaint_type=Case.ComplaintType.COUNTERFEIT,
        desired_remedy=Case.Remedy.REFUND,
        description="商标印刷模糊, 防伪码查询无记录, 怀疑是假货。",
    )
    incident = case.quality_incidents.get()
    incidents.contain(
        incident=incident,
        by=user("qm", staff=True, role=Role.QUALITY_MANAGEMENT),
        reason="防伪码查询无记录, 调查期间暂停销售。",
    )
    log(f"  complaints: quality incident {incident.reference} contained ({product.title})")
