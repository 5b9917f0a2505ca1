"""Reads, scoped to who is asking."""

from django.db.models import Q

from core.roles import Role, has_role
from inspections.models import Inspection, InspectionPlan, Objection, SwitchingRecord
from merchants.selectors import merchant_of, scoped

INSPECTORS = (Role.QUALITY_MANAGEMENT,)
STAFF_READERS = (
    Role.QUALITY_MANAGEMENT,
    Role.QUALITY_MANAGER,
    Role.MERCHANT_MANAGEMENT,
    Role.DATA_ANALYSIS,
)


def is_inspector(user) -> bool:
    return has_role(user, *INSPECTORS)


def is_staff_reader(user) -> bool:
    return merchant_of(user) is None and has_role(user, *STAFF_READERS)


def lots_for_merchant_user(user):
    """The user's own merchant's lots (the merchant's lot pages); nothing for anyone else."""
    from products.models import Lot

    return scoped(Lot.objects.all(), user, staff_roles=())


def plans_visible_to(user):
    """Staff see every plan. Spot checks are unannounced: a merchant sees only the re-tests
    of their own products (which they asked for or need)."""
    plans = InspectionPlan.objects.select_related("merchant", "category", "product")
    if merchant_of(user) is not None:
        plans = plans.filter(kind=InspectionPlan.Kind.RETEST)
    return scoped(plans, user, staff_roles=STAFF_READERS)


def inspections_visible_to(user):
    inspections = Inspection.objects.select_related(
        "product", "merchant", "category", "plan", "standard_version__standard", "inspector"
    )
    return scoped(inspections, user, staff_roles=STAFF_READERS)


def objections_visible_to(user):
    objections = Objection.objects.select_related("inspection", "merchant", "retest_plan")
    return scoped(objections, user, staff_roles=STAFF_READERS)


def switching_visible_to(user):
    records = SwitchingRecord.objects.select_related("merchant", "category")
    return scoped(records, user, staff_roles=STAFF_READERS)


def due_queue():
    """Open plans, soonest due first (the Quality Management queue)."""
    return (
        InspectionPlan.objects.filter(
            status__in=[InspectionPlan.Status.DUE, InspectionPlan.Status.IN_PROGRESS]
        )
        .select_related("merchant", "category", "product", "retest_of")
        .order_by("due_by", "id")
    )


def may_see_lab_report(request, upload) -> bool:
    """Lab reports: staff readers, and the merchant of the inspection."""
    links = Inspection.attachments.through.objects.filter(upload_id=upload.pk)
    merchant = merchant_of(request.user)
    if merchant is not None:
        return links.filter(inspection__merchant=merchant).exists()
    return has_role(request.user, *STAFF_READERS) and links.exists()


def open_for_results(user):
    return inspections_visible_to(user).filter(
        Q(status=Inspection.Status.DRAFT) | Q(status=Inspection.Status.RECORDED)
    )


# --- labs and samples ------------------------------------------------------------------------
def samples_visible_to(user):
    """A lab user sees only the samples assigned to their lab; staff readers see all."""
    from inspections.labs import lab_of
    from inspections.models import Sample

    samples = Sample.objects.select_related(
        "lab", "inspection__product", "inspection__category", "inspection__standard_version"
    )
    lab = lab_of(user)
    if lab is not None:
        return samples.filter(lab=lab)
    if merchant_of(user) is None and has_role(user, *STAFF_READERS):
        return samples
    return samples.none()


def may_see_sample_report(request, upload) -> bool:
    """A lab user may download the reports and accreditation documents of their own lab."""
    from inspections.labs import lab_of
    from inspections.models import Lab, Sample

    lab = lab_of(request.user)
    if lab is None:
        return False
    return (
        Sample.objects.filter(lab=lab, report_id=upload.pk).exists()
        or Lab.documents.through.objects.filter(lab_id=lab.pk, upload_id=upload.pk).exists()
    )
