from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import decisions_for
from core.exceptions import DomainError
from products import services
from products.models import Requirement, StandardVersion
from tests.factories.core import CategoryFactory, UserFactory


@pytest.fixture
def qm(role_user):
    return role_user("quality_management")


@pytest.fixture
def standard(food, qm):
    return services.create_standard(
        category=food, code="food-basic", name_zh="食品基本要求", name_en="Food basics", by=qm
    )


def draft_of(standard):
    return standard.versions.get(status=StandardVersion.Status.DRAFT)


def add_requirements(version):
    services.save_requirement(
        version=version,
        code="LBL",
        description="Label complete",
        kind=Requirement.Kind.PASS_FAIL,
        severity=Requirement.Severity.MAJOR,
    )
    services.save_requirement(
        version=version,
        code="MOIST",
        description="Moisture",
        kind=Requirement.Kind.MEASURED,
        unit="%",
        min_value=Decimal("0"),
        max_value=Decimal("14.5"),
        test_method="GB 5009.3",
        severity=Requirement.Severity.CRITICAL,
    )


def test_publishing_freezes_a_version_and_a_new_version_copies_its_requirements(standard, qm):
    v1 = draft_of(standard)
    add_requirements(v1)
    services.publish_version(version=v1, by=qm)
    v2 = services.new_version(standard=standard, by=qm)
    assert v2.number == 2
    assert sorted(v2.requirements.values_list("code", flat=True)) == ["LBL", "MOIST"]
    moist = v2.requirements.get(code="MOIST")
    services.save_requirement(version=v2, requirement=moist, max_value=Decimal("12"))
    services.publish_version(version=v2, by=qm, effective_from=timezone.now())
    v1.refresh_from_db()
    assert v1.requirements.get(code="MOIST").max_value == Decimal("14.5000")
    assert v1.status == StandardVersion.Status.PUBLISHED
    assert [d.action for d in decisions_for(v2)] == ["create_version", "publish"]


def test_version_in_force_follows_effective_dates_and_an_old_date_keeps_the_old_version(
    standard, qm
):
    v1 = draft_of(standard)
    add_requirements(v1)
    with time_machine.travel("2026-01-01 00:00Z"):
        services.publish_version(version=v1, by=qm)
    with time_machine.travel("2026-03-01 00:00Z"):
        v2 = services.new_version(standard=standard, by=qm)
        services.publish_version(
            version=v2, by=qm, effective_from=timezone.now() + timezone.timedelta(days=30)
        )
    at = timezone.datetime.fromisoformat
    assert services.standard_version_for(standard.category, at("2026-02-01T00:00+00:00")) == v1
    assert services.standard_version_for(standard.category, at("2026-03-15T00:00+00:00")) == v1
    assert services.standard_version_for(standard.category, at("2026-04-15T00:00+00:00")) == v2
    assert services.standard_version_for(standard.category, at("2025-12-01T00:00+00:00")) is None


def test_a_subcategory_without_its_own_standard_uses_its_parents(standard, qm):
    v1 = draft_of(standard)
    add_requirements(v1)
    services.publish_version(version=v1, by=qm)
    snacks = CategoryFactory(code="t-snacks", parent=standard.category)
    assert services.standard_version_for(snacks) == v1


def test_editing_a_published_version_in_place_is_refused_with_a_clear_error(standard, qm):
    v1 = draft_of(standard)
    add_requirements(v1)
    services.publish_version(version=v1, by=qm)
    lbl = v1.requirements.get(code="LBL")
    with pytest.raises(DomainError, match="published and cannot be changed"):
        services.save_requirement(version=v1, requirement=lbl, description="changed")
    with pytest.raises(DomainError, match="published and cannot be changed"):
        services.delete_requirement(requirement=lbl)
    with pytest.raises(DomainError, match="published and cannot be changed"):
        services.update_draft(version=v1, note="rewritten")
    # Past the services (whose DomainError is the sentence a person reads), the database's
    # triggers are the guarantee: models call no services in save() or clean().
    from django.db.utils import InternalError

    v1.note = "sneaky"
    with pytest.raises(InternalError), transaction.atomic():
        v1.save()
    lbl.description = "sneaky"
    with pytest.raises(InternalError), transaction.atomic():
        lbl.save()
    assert v1.requirements.get(code="LBL").description == "Label complete"


def test_the_database_refuses_a_bulk_update_of_a_published_version(standard, qm):
    v1 = draft_of(standard)
    add_requirements(v1)
    services.publish_version(version=v1, by=qm)
    from django.db.utils import InternalError

    with pytest.raises(InternalError), transaction.atomic():
        Requirement.objects.filter(version=v1).update(description="bulk")
    with pytest.raises(InternalError), transaction.atomic():
        StandardVersion.objects.filter(pk=v1.pk).update(note="bulk")


def test_measured_requirement_with_min_above_max_is_refused_and_nothing_is_stored(standard):
    v1 = draft_of(standard)
    with pytest.raises(DomainError) as err:
        services.save_requirement(
            version=v1,
            code="X",
            description="Sugar",
            kind=Requirement.Kind.MEASURED,
            unit="g/100g",
            min_value=Decimal("10"),
            max_value=Decimal("5"),
            severity=Requirement.Severity.MINOR,
        )
    assert "max_value" in err.value.message_dict
    assert not v1.requirements.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Requirement.objects.create(
            version=v1,
            code="Y",
            description="d",
            kind="measured",
            unit="g",
            min_value=5,
            max_value=1,
            severity="minor",
        )


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"kind": "measured", "unit": "", "max_value": Decimal("1")}, "unit"),
        ({"kind": "measured", "unit": "g"}, "min_value"),
        ({"kind": "pass_fail", "unit": "g"}, "kind"),
    ],
)
def test_requirement_kind_decides_which_fields_it_needs(standard, fields, error_field):
    with pytest.raises(DomainError) as err:
        services.save_requirement(
            version=draft_of(standard), code="Z", description="d", severity="minor", **fields
        )
    assert error_field in err.value.message_dict


def test_publishing_in_the_past_before_the_current_version_or_empty_is_refused(standard, qm):
    v1 = draft_of(standard)
    with pytest.raises(DomainError, match="without requirements"):
        services.publish_version(version=v1, by=qm)
    add_requirements(v1)
    with pytest.raises(DomainError):
        services.publish_version(
            version=v1, by=qm, effective_from=timezone.now() - timezone.timedelta(days=1)
        )
    later = timezone.now() + timezone.timedelta(days=10)
    services.publish_version(version=v1, by=qm, effective_from=later)
    v2 = services.new_version(standard=standard, by=qm)
    with pytest.raises(DomainError) as err:
        services.publish_version(version=v2, by=qm, effective_from=timezone.now())
    assert "effective_from" in err.value.message_dict


def test_only_one_draft_at_a_time(standard, qm):
    with pytest.raises(DomainError, match="already has a draft"):
        services.new_version(standard=standard, by=qm)


def test_a_category_has_one_standard(standard):
    with pytest.raises(DomainError):
        services.create_standard(
            category=standard.category, code="other", name_zh="x", name_en="x", by=UserFactory()
        )
