"""Violation points and the sanction ladder."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.exceptions import DomainError
from core.models import Alert
from merchants import services
from merchants.models import MerchantStanding, Restriction, Sanction, ViolationEntry
from merchants.points import DEFAULT_LADDER, parse_ladder, step_crossed, step_for
from tests.factories.standing import EvidenceFactory, rules_catalogue  # noqa: F401

pytestmark = pytest.mark.django_db
LADDER = parse_ladder(DEFAULT_LADDER)


def add(merchant, code="inspection_lot_rejected", **kwargs):
    return services.record_violation(
        merchant=merchant, rule_code=code, evidence=EvidenceFactory(), **kwargs
    )


def add_points(merchant, points):
    """Reach exactly `points` with rules of 6 and 2 points."""
    while points >= 6:
        add(merchant, "inspection_lot_rejected")
        points -= 6
    while points >= 2:
        add(merchant, "sla_breach_merchant")
        points -= 2
    assert points == 0


def test_ladder_rules_pick_the_highest_step_reached_once():
    assert step_for(11, LADDER) is None
    assert step_for(12, LADDER).points == 12
    assert step_for(50, LADDER).points == 48
    assert step_crossed(0, 30, LADDER).points == 24
    assert step_crossed(24, 30, LADDER) is None
    assert step_crossed(24, 36, LADDER).sanction == "suspension"


@pytest.mark.parametrize(
    "bad",
    [
        [],
        [{"points": 0, "sanction": "suspension", "days": 3}],
        [{"points": -12, "sanction": "suspension", "days": 3}],
        [{"points": 12, "sanction": "fine", "days": 3}],
        [{"points": 12, "sanction": "suspension", "days": 0}],
        [{"points": 12, "sanction": "termination"}, {"points": 12, "sanction": "termination"}],
    ],
)
def test_a_bad_ladder_is_refused(bad):
    with pytest.raises(DomainError):
        parse_ladder(bad)


def test_crossing_from_11_to_12_warns_and_restricts_for_7_days_once(merchant_a, owner_a):
    add_points(merchant_a, 10)
    assert services.current_points(merchant_a) == 10
    add(merchant_a, "sla_breach_merchant")  # 12
    sanctions = Sanction.objects.filter(merchant=merchant_a)
    assert sorted(sanctions.values_list("kind", flat=True)) == ["sales_restriction", "warning"]
    restriction = sanctions.get(kind="sales_restriction")
    assert restriction.step_points == 12 and restriction.points_at_imposition == 12
    assert restriction.ends_at - restriction.starts_at == timedelta(days=7)
    assert restriction.restriction.source == f"merchants.sanction:{restriction.pk}"
    assert restriction.entries.count() == 4  # 6 + 2 + 2 + 2
    assert not services.can_sell(merchant_a)
    # Staying above 12 does not apply it again.
    add(merchant_a, "sla_breach_merchant")  # 14
    assert Sanction.objects.filter(merchant=merchant_a).count() == 2
    assert MerchantStanding.objects.get(merchant=merchant_a).ladder_step == 12
    owner_alerts = Alert.objects.filter(recipient_user=owner_a)
    assert owner_alerts.filter(kind="sanction_imposed").count() == 2
    assert Alert.objects.filter(
        recipient_group__name="merchant_management", kind="sanction_imposed"
    ).exists()


def test_jump_from_10_to_34_applies_the_24_step_and_keeps_the_12_steps_warning(merchant_a):
    add_points(merchant_a, 10)
    add(merchant_a, "counterfeit")  # +24 -> 34: crosses the 12 and the 24 steps
    sanctions = Sanction.objects.filter(merchant=merchant_a).order_by("id")
    # The 12 step's warning lasts; its 7-day restriction is covered by the 24 step's 14.
    assert list(sanctions.values_list("kind", "step_points")) == [
        ("warning", 12),
        ("sales_restriction", 24),
    ]
    only = sanctions.get(kind="sales_restriction")
    assert only.ends_at - only.starts_at == timedelta(days=14)
    assert Restriction.objects.filter(merchant=merchant_a, lifted_at__isnull=True).count() == 1


def test_36_suspends_for_21_days_and_48_terminates(merchant_a):
    add(merchant_a, "counterfeit")
    add_points(merchant_a, 12)  # 36
    suspension = Sanction.objects.get(merchant=merchant_a, step_points=36)
    assert suspension.kind == "suspension"
    assert suspension.restriction.kind == Restriction.Kind.SUSPENSION
    assert suspension.ends_at - suspension.starts_at == timedelta(days=21)
    add_points(merchant_a, 12)  # 48
    termination = Sanction.objects.get(merchant=merchant_a, step_points=48)
    assert termination.kind == "termination" and termination.ends_at is None
    assert termination.restriction.kind == Restriction.Kind.TERMINATION


def test_record_violation_is_idempotent_per_evidence_and_rule(merchant_a):
    evidence = EvidenceFactory()
    first = services.record_violation(
        merchant=merchant_a, rule_code="counterfeit", evidence=evidence
    )
    assert first is not None
    again = services.record_violation(
        merchant=merchant_a, rule_code="counterfeit", evidence=evidence
    )
    assert again is None
    assert ViolationEntry.objects.count() == 1
    assert Sanction.objects.filter(step_points=24).count() == 1
    other_rule = services.record_violation(
        merchant=merchant_a, rule_code="sla_breach_merchant", evidence=evidence
    )
    assert other_rule is not None and services.current_points(merchant_a) == 26


def test_entry_pins_rule_version_points_and_expiry(merchant_a):
    entry = add(merchant_a)
    assert entry.rule.version == 1 and entry.points == 6
    assert entry.expires_at - entry.occurred_at == timedelta(days=365)


def test_rule_not_in_force_at_the_violation_time_is_refused(merchant_a):
    with pytest.raises(DomainError) as error:
        add(merchant_a, occurred_at=timezone.now().replace(year=2025, month=6))
    assert error.value.code == "rule_not_in_force"
    assert not ViolationEntry.objects.exists()


def test_unknown_rule_missing_evidence_and_future_time_are_refused(merchant_a):
    with pytest.raises(DomainError):
        add(merchant_a, code="no_such_rule")
    with pytest.raises(DomainError):
        services.record_violation(merchant=merchant_a, rule_code="counterfeit", evidence=None)
    with pytest.raises(DomainError):
        add(merchant_a, occurred_at=timezone.now() + timedelta(days=2))
    assert not ViolationEntry.objects.exists()


def test_a_new_rule_version_applies_from_its_start_and_old_entries_keep_theirs(merchant_a):
    old = add(merchant_a, "sla_breach_merchant")
    new = services.publish_rule_version(
        code="sla_breach_merchant",
        title_zh="商家原因导致售后超时",
        title_en="After-sales SLA breached by the merchant",
        points=3,
        severity="major",
        note="Raised after review",
    )
    entry = add(merchant_a, "sla_breach_merchant")
    assert entry.rule == new and entry.points == 3
    old.refresh_from_db()
    assert old.rule.version == 1 and old.points == 2
    assert old.rule.effective_until == new.effective_from


@pytest.mark.parametrize("points", [0, -3, 2.5, True])
def test_rule_version_with_bad_points_is_refused(points):
    with pytest.raises(DomainError):
        services.publish_rule_version(
            code="counterfeit",
            title_zh="假冒",
            title_en="Counterfeit",
            points=points,
            severity="critical",
            note="x",
        )


def test_rule_version_must_start_after_the_current_one_and_say_why():
    with pytest.raises(DomainError):
        services.publish_rule_version(
            code="counterfeit", title_zh="假冒", title_en="C", points=30, severity="critical"
        )
    with pytest.raises(DomainError):
        services.publish_rule_version(
            code="counterfeit",
            title_zh="假冒",
            title_en="C",
            points=30,
            severity="critical",
            note="backdated",
            effective_from=timezone.now().replace(year=2025),
        )


def test_expiry_lowers_points_below_a_step_and_a_new_crossing_applies_again(merchant_a):
    start = timezone.now()
    add_points(merchant_a, 12)
    assert Sanction.objects.filter(step_points=12, kind="sales_restriction").count() == 1
    with time_machine.travel(start + timedelta(days=366)):
        assert services.current_points(merchant_a) == 0
        result = services.sweep_standing()
        assert result.entries_expired == 2 and result.standings_lowered == 1
        assert MerchantStanding.objects.get(merchant=merchant_a).ladder_step == 0
        add_points(merchant_a, 12)
        assert Sanction.objects.filter(step_points=12, kind="sales_restriction").count() == 2


def test_expiry_below_a_step_without_the_sweep_still_counts_correctly(merchant_a):
    start = timezone.now()
    add_points(merchant_a, 12)
    with time_machine.travel(start + timedelta(days=200)):
        add(merchant_a, "sla_breach_merchant")
    with time_machine.travel(start + timedelta(days=366)):
        assert services.current_points(merchant_a) == 2
        assert services.current_points(merchant_a, at=start + timedelta(days=1)) == 12


def test_the_daily_sweep_run_twice_changes_nothing_the_second_time(merchant_a, merchant_b):
    start = timezone.now()
    add_points(merchant_a, 24)
    add_points(merchant_b, 12)
    with time_machine.travel(start + timedelta(days=15)):
        first = services.sweep_standing()
        assert first.sanctions_ended == 2  # A's 14 days and B's 7 days are over
        assert services.can_sell(merchant_a) and services.can_sell(merchant_b)
        assert not Restriction.objects.filter(lifted_at__isnull=True).exists()
        second = services.sweep_standing()
        assert (second.entries_expired, second.standings_lowered, second.sanctions_ended) == (
            0,
            0,
            0,
        )
    with time_machine.travel(start + timedelta(days=366)):
        first = services.sweep_standing()
        assert first.entries_expired == ViolationEntry.objects.count()
        assert services.sweep_standing().entries_expired == 0
    assert not MerchantStanding.objects.filter(ladder_step__gt=0).exists()
    assert ViolationEntry.objects.filter(status="expired").count() == ViolationEntry.objects.count()


def test_sweep_ends_time_boxed_sanctions_with_a_decision(merchant_a):
    from core.audit import decisions_for

    start = timezone.now()
    add_points(merchant_a, 12)
    restriction = Sanction.objects.get(kind="sales_restriction")
    with time_machine.travel(start + timedelta(days=6)):
        assert services.sweep_standing().sanctions_ended == 0
    with time_machine.travel(start + timedelta(days=7, minutes=1)):
        assert services.sweep_standing().sanctions_ended == 1
    restriction.refresh_from_db()
    assert restriction.status == "ended"
    assert restriction.restriction.lifted_at is not None
    assert [d.action for d in decisions_for(restriction)][-1] == "ended"
