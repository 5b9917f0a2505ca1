"""Demo standing: merchant A at the 12-point step with an appeal waiting, merchant B with a
manual warning. Idempotent: evidence files are found by name, record_violation ignores a
violation it already has, and the appeal and warning are created once.

Called from merchants.demo.seed_late after the demo merchants exist.
"""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from pypdf import PdfWriter

from core.models import Upload
from core.uploads import store_upload
from merchants import services
from merchants.models import Appeal, Membership, Sanction

# login, rule code, evidence file name, days ago
VIOLATIONS = [
    ("merchant_a", "inspection_lot_rejected", "demo-inspection-lot-0042.pdf", 40),
    ("merchant_a", "sla_breach_merchant", "demo-complaint-sla-0317.pdf", 10),
    ("merchant_a", "false_advertising_substantiated", "demo-ad-report-0009.pdf", 3),
    ("merchant_b", "sla_breach_merchant", "demo-complaint-sla-0402.pdf", 5),
]


def _evidence(name: str) -> Upload:
    existing = Upload.objects.filter(original_name=name, uploaded_by__isnull=True).first()
    if existing is not None:
        return existing
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": name})
    buffer = io.BytesIO()
    writer.write(buffer)
    return store_upload(SimpleUploadedFile(name, buffer.getvalue(), "application/pdf"))


def _owner(login):
    return Membership.objects.select_related("merchant", "user").get(user__username=login)


@transaction.atomic
def seed(log):
    from django.contrib.auth import get_user_model

    now = timezone.now()
    for login, code, name, days_ago in VIOLATIONS:
        membership = _owner(login)
        services.record_violation(
            merchant=membership.merchant,
            rule_code=code,
            evidence=_evidence(name),
            occurred_at=now - timedelta(days=days_ago),
        )
    owner_a = _owner("merchant_a")
    disputed = owner_a.merchant.violations.filter(rule_code="sla_breach_merchant").first()
    if disputed is not None and not Appeal.objects.filter(entry=disputed).exists():
        services.submit_appeal(
            by=owner_a.user,
            entry=disputed,
            statement="快递丢件, 延误并非我方原因。",
        )
    owner_b = _owner("merchant_b")
    mm = get_user_model().objects.get(username="mm")
    if not Sanction.objects.filter(merchant=owner_b.merchant, origin="manual").exists():
        services.impose_sanction(
            merchant=owner_b.merchant,
            kind=Sanction.Kind.WARNING,
            rule_code="sla_breach_merchant",
            evidence=_evidence("demo-complaint-sla-0402.pdf"),
            by=mm,
            reason="多次超时回复投诉。",
        )
    log(
        f"  standing: {owner_a.merchant} {services.current_points(owner_a.merchant)} points "
        f"(appeal waiting for review by 'mm'), {owner_b.merchant} "
        f"{services.current_points(owner_b.merchant)} points"
    )
