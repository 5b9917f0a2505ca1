"""Quality standards: drafts, publishing, versions in force."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record_decision
from core.db import advisory_xact_lock
from core.exceptions import DomainError
from products.models import QualityStandard, Requirement, StandardVersion

REQUIREMENT_FIELDS = (
    "code",
    "description",
    "description_en",
    "kind",
    "unit",
    "min_value",
    "max_value",
    "test_method",
    "severity",
    "position",
)


def validate_requirement(requirement: Requirement) -> None:
    """The rules of a requirement's fields; raises DomainError (keyed by field)."""
    errors = {}
    if requirement.kind == Requirement.Kind.MEASURED:
        if not requirement.unit:
            errors["unit"] = _("A measured requirement needs a unit.")
        if requirement.min_value is None and requirement.max_value is None:
            errors["min_value"] = _("A measured requirement needs a minimum, a maximum or both.")
        if (
            requirement.min_value is not None
            and requirement.max_value is not None
            and requirement.min_value > requirement.max_value
        ):
            errors["max_value"] = _(
                "The minimum (%(min)s) is greater than the maximum (%(max)s)."
            ) % {"min": requirement.min_value, "max": requirement.max_value}
    elif requirement.unit or requirement.min_value is not None or requirement.max_value is not None:
        errors["kind"] = _("A pass/fail requirement has no unit, minimum or maximum.")
    if errors:
        raise DomainError(errors)


def ensure_draft(version: StandardVersion) -> None:
    if (
        version.pk
        and StandardVersion.objects.filter(
            pk=version.pk, status=StandardVersion.Status.PUBLISHED
        ).exists()
    ):
        raise DomainError(
            _(
                "Version %(n)s of “%(standard)s” is published and cannot be changed. "
                "Create a new version instead; it starts as a copy of this one."
            )
            % {"n": version.number, "standard": version.standard},
            code="published_version",
        )


@transaction.atomic
def create_standard(*, category, code: str, name_zh: str, name_en: str, by=None):
    """A standard with an empty first draft."""
    if QualityStandard.objects.filter(category=category).exists():
        raise DomainError(
            _("%(category)s already has a quality standard.") % {"category": category}
        )
    standard = QualityStandard.objects.create(
        category=category, code=code, name_zh=name_zh, name_en=name_en
    )
    version = StandardVersion.objects.create(standard=standard, number=1)
    record_decision(version, action="create_version", to_state="draft", actor=by)
    return standard


@transaction.atomic
def new_version(*, standard: QualityStandard, by=None, note: str = "") -> StandardVersion:
    """A new draft copying the requirements of the latest version."""
    advisory_xact_lock(f"products.standard:{standard.pk}")
    if standard.versions.filter(status=StandardVersion.Status.DRAFT).exists():
        raise DomainError(
            _("“%(standard)s” already has a draft version; edit or publish it first.")
            % {"standard": standard}
        )
    latest = standard.versions.order_by("-number").first()
    number = (standard.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = StandardVersion.objects.create(standard=standard, number=number, note=note)
    if latest is not None:
        Requirement.objects.bulk_create(
            Requirement(version=version, **{f: getattr(r, f) for f in REQUIREMENT_FIELDS})
            for r in latest.requirements.all()
        )
    record_decision(
        version,
        action="create_version",
        to_state="draft",
        actor=by,
        data={"copied_from": latest.number if latest else None},
    )
    return version


@transaction.atomic
def save_requirement(*, version: StandardVersion, requirement: Requirement | None = None, **fields):
    """Add or change a requirement of a draft version."""
    version = StandardVersion.objects.select_for_update().get(pk=version.pk)
    ensure_draft(version)
    requirement = requirement or Requirement(version=version)
    if requirement.version_id != version.pk:
        raise DomainError(_("This requirement belongs to another version."))
    for name, value in fields.items():
        if name not in REQUIREMENT_FIELDS:
            raise TypeError(name)
        setattr(requirement, name, value)
    validate_requirement(requirement)
    if (
        Requirement.objects.filter(version=version, code=requirement.code)
        .exclude(pk=requirement.pk)
        .exists()
    ):
        raise DomainError({"code": _("This version already has a requirement with this code.")})
    requirement.save()
    return requirement


@transaction.atomic
def delete_requirement(*, requirement: Requirement) -> None:
    version = StandardVersion.objects.select_for_update().get(pk=requirement.version_id)
    ensure_draft(version)
    requirement.delete()


@transaction.atomic
def update_draft(*, version: StandardVersion, note: str) -> StandardVersion:
    ensure_draft(version)
    version.note = note
    version.save(update_fields=["note"])
    return version


@transaction.atomic
def publish_version(
    *, version: StandardVersion, by, effective_from: datetime | None = None
) -> StandardVersion:
    """Publish a draft. It takes effect now or later, never in the past (what applied to
    past inspections stays what it was), and after the version currently published."""
    advisory_xact_lock(f"products.standard:{version.standard_id}")
    version = StandardVersion.objects.select_for_update().get(pk=version.pk)
    ensure_draft(version)
    now = timezone.now()
    effective_from = effective_from or now
    if effective_from < now - timezone.timedelta(minutes=1):
        raise DomainError(
            {"effective_from": _("A version cannot take effect in the past.")},
            code="effective_in_past",
        )
    latest = (
        version.standard.versions.filter(status=StandardVersion.Status.PUBLISHED)
        .order_by("-effective_from")
        .first()
    )
    if latest is not None and effective_from <= latest.effective_from:
        raise DomainError(
            {
                "effective_from": _("It must take effect after version %(n)s (from %(date)s).")
                % {"n": latest.number, "date": timezone.localtime(latest.effective_from)}
            }
        )
    if not version.requirements.exists():
        raise DomainError(_("A version without requirements cannot be published."))
    version.requirements.update(locked=True)
    version.status = StandardVersion.Status.PUBLISHED
    version.effective_from = effective_from
    version.published_at = now
    version.published_by = by if getattr(by, "is_authenticated", False) else None
    version.save(update_fields=["status", "effective_from", "published_at", "published_by"])
    record_decision(
        version,
        action="publish",
        from_state="draft",
        to_state="published",
        actor=by,
        data={"effective_from": effective_from.isoformat()},
    )
    return version


def standard_for(category) -> QualityStandard | None:
    """The category's standard, or its nearest ancestor's (snacks fall under food)."""
    seen = set()
    while category is not None and category.pk not in seen:
        seen.add(category.pk)
        standard = QualityStandard.objects.filter(category=category).first()
        if standard is not None:
            return standard
        category = category.parent
    return None


def standard_version_for(category, at: datetime | None = None) -> StandardVersion | None:
    """The published version in force for this category at `at` (now by default).

    Inspections call this and store the version they used.
    """
    standard = standard_for(category)
    if standard is None:
        return None
    return (
        standard.versions.filter(
            status=StandardVersion.Status.PUBLISHED, effective_from__lte=at or timezone.now()
        )
        .order_by("-effective_from")
        .first()
    )
