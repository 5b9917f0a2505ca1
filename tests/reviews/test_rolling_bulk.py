"""Rolling ratings act on many merchants in a constant number of statements (issue 21), and
the set-based merchants services leave the same rows as the one-merchant ones."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import policies
from core.models import Alert, Decision
from merchants import reason_texts
from merchants.models import Membership, MerchantStanding, Restriction, Sanction, ViolationEntry
from merchants.services import (
    LiftSpec,
    RestrictionSpec,
    ViolationSpec,
    can_sell,
    lift,
    lift_many,
    record_violation,
    record_violations,
    restrict,
    restrict_many,
)
from reviews.models import MerchantRatingFigure, MerchantRatingStanding
from reviews.policies import RATING_THRESHOLDS
from reviews.services.rolling import RollingResult, _params, apply_thresholds
from tests.factories.merchants import MembershipFactory, MerchantFactory
from tests.factories.products import ProductFactory

DAY = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)


@pytest.fixture
def day(db):
    with time_machine.travel(DAY, tick=False):
        yield DAY


def merchants(count):
    """Live merchants, each with an owner and a listed product."""
    made = MerchantFactory.create_batch(count, status="active")
    for merchant in made:
        MembershipFactory(merchant=merchant, role="owner")
        ProductFactory(merchant=merchant)
    return made


def set_figures(merchants, score):
    """Today's figure of each merchant: 20 ratings of `score` in every dimension."""
    as_of = timezone.localdate()
    for merchant in merchants:
        MerchantRatingFigure.objects.update_or_create(
            merchant=merchant,
            as_of=as_of,
            defaults={
                "window_days": 90,
                "rating_count": 20,
                "description_accuracy_sum": 20 * score,
                "service_attitude_sum": 20 * score,
                "logistics_sum": 20 * score,
                "description_accuracy": Decimal(score),
                "service_attitude": Decimal(score),
                "logistics": Decimal(score),
                "overall": Decimal(score),
                "computed_at": timezone.now(),
            },
        )


def thresholds_applied() -> tuple[RollingResult, int]:
    """apply_thresholds on today's figures; the result and the statements it took."""
    now = timezone.now()
    thresholds = policies.get(RATING_THRESHOLDS, at=now)
    params = _params(now, thresholds)
    result = RollingResult(as_of=params["as_of"])
    with CaptureQueriesContext(connection) as queries:
        apply_thresholds(params=params, thresholds=thresholds, result=result)
    return result, len(queries)


def test_statements_do_not_grow_with_the_merchants_restricted_or_lifted(day):
    warm = merchants(1)
    set_figures(warm, 3)
    thresholds_applied()  # caches (content types, policies) filled
    few, many = merchants(3), merchants(30)
    set_figures(few, 3)
    restricted_few, statements_few = thresholds_applied()
    set_figures(many, 3)
    restricted_many, statements_many = thresholds_applied()
    assert sorted(restricted_few.restricted) == sorted(m.pk for m in few)
    assert sorted(restricted_many.restricted) == sorted(m.pk for m in many)
    assert statements_many == statements_few
    assert not any(can_sell(m) for m in few + many)
    assert ViolationEntry.objects.filter(merchant__in=many).count() == 30
    # Recovering: the lifts too.
    set_figures(few, 5)
    lifted_few, statements_few = thresholds_applied()
    set_figures(many, 5)
    lifted_many, statements_many = thresholds_applied()
    assert sorted(lifted_few.lifted) == sorted(m.pk for m in few)
    assert sorted(lifted_many.lifted) == sorted(m.pk for m in many)
    assert statements_many == statements_few
    assert all(can_sell(m) for m in few + many)
    recovered = MerchantRatingStanding.objects.filter(merchant__in=few + many)
    assert set(recovered.values_list("restriction_source", flat=True)) == {""}


def _rows(merchant) -> dict:
    """What the services left about one merchant, without its ids and names."""
    restrictions = Restriction.objects.filter(merchant=merchant).order_by("starts_at", "id")
    entries = ViolationEntry.objects.filter(merchant=merchant).order_by("id")
    sanctions = Sanction.objects.filter(merchant=merchant).order_by("id")

    def decisions(model, ids):
        return sorted(
            (d.action, d.from_state, d.to_state, d.actor_label, d.reason, repr(d.data))
            for d in Decision.objects.filter(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=[str(pk) for pk in ids],
            )
        )

    def plain(data: dict) -> str:
        data = {k: v for k, v in data.items() if k not in {"entries"}}
        return repr(data)

    return {
        "restrictions": [
            (
                r.kind,
                r.reason,
                r.source.split(":")[0],
                r.reason_code,
                r.reason_params,
                r.detail,
                r.lifted_at is None,
            )
            for r in restrictions
        ],
        "restriction decisions": [
            (a, f, t, label, reason, data.replace(f"'{merchant.pk}'", "M"))
            for a, f, t, label, reason, data in decisions(
                Restriction, restrictions.values_list("pk", flat=True)
            )
        ],
        "entries": [
            (e.rule_code, e.points, e.note, e.note_code, e.note_params, e.status) for e in entries
        ],
        "entry decisions": decisions(ViolationEntry, entries.values_list("pk", flat=True)),
        "sanctions": [
            (s.kind, s.status, s.step_points, s.points_at_imposition, s.reason_code)
            for s in sanctions
        ],
        "sanction decisions": [
            (a, f, t, label, reason)
            for a, f, t, label, reason, _data in decisions(
                Sanction, sanctions.values_list("pk", flat=True)
            )
        ],
        "alerts": sorted(
            (a.kind, plain({k: v for k, v in a.payload.items() if k != "merchant"}))
            for a in Alert.objects.filter(
                recipient_user__in=Membership.objects.filter(merchant=merchant).values("user")
            )
        ),
        "ladder step": MerchantStanding.objects.get(merchant=merchant).ladder_step,
        "status": type(merchant).objects.get(pk=merchant.pk).status,
        "can sell": can_sell(merchant),
    }


PARAMS = {"average": "3.0000", "count": 20}


def test_the_bulk_services_leave_the_rows_the_single_ones_do(day):
    single, bulk = merchants(2)
    evidence = {m.pk: ProductFactory(merchant=m) for m in (single, bulk)}

    def source(m):
        return f"products.product:{evidence[m.pk].pk}"

    restrict(
        merchant=single,
        kind=Restriction.Kind.SALES_RESTRICTION,
        reason=Restriction.Reason.RATING,
        source=source(single),
        reason_code=reason_texts.RATING_BELOW,
        reason_params=PARAMS,
    )
    # Counterfeit is 24 points: both ladder steps, their warning, sanctions and restrictions.
    for rule in ("rating_below_restriction", "counterfeit"):
        record_violation(
            merchant=single,
            rule_code=rule,
            evidence=evidence[single.pk],
            note_code=reason_texts.RATING_BELOW,
            note_params=PARAMS,
        )
    lift(
        merchant=single,
        reason=Restriction.Reason.RATING,
        source=source(single),
        reason_code=reason_texts.RATING_RECOVERED,
        reason_params=PARAMS,
    )

    spec = RestrictionSpec(
        merchant=bulk,
        kind=Restriction.Kind.SALES_RESTRICTION,
        reason=Restriction.Reason.RATING,
        source=source(bulk),
        reason_code=reason_texts.RATING_BELOW,
        reason_params=PARAMS,
    )
    assert len(restrict_many([spec, spec])) == 1  # the same cause once
    assert restrict_many([spec]) == []  # already open
    for rule in ("rating_below_restriction", "counterfeit"):
        [entry] = record_violations(
            [
                ViolationSpec(
                    merchant=bulk,
                    rule_code=rule,
                    evidence=evidence[bulk.pk],
                    note_code=reason_texts.RATING_BELOW,
                    note_params=PARAMS,
                )
            ]
        )
        assert entry is not None
    again = ViolationSpec(merchant=bulk, rule_code="counterfeit", evidence=evidence[bulk.pk])
    assert record_violations([again]) == [None]  # once per evidence and rule
    recovered = LiftSpec(
        merchant=bulk,
        reason=Restriction.Reason.RATING,
        source=source(bulk),
        reason_code=reason_texts.RATING_RECOVERED,
        reason_params=PARAMS,
    )
    assert lift_many([recovered]) == 1
    assert lift_many([recovered]) == 0

    expected, got = _rows(single), _rows(bulk)
    assert got["sanctions"] and got["entries"] and len(got["restrictions"]) >= 2
    assert got == expected


def test_restricting_many_merchants_at_once_tells_the_listeners_once(day, monkeypatch):
    from merchants.services import selling

    told = []
    monkeypatch.setattr(selling, "RESTRICTION_SET_LISTENERS", [told.append])
    made = merchants(4)
    restrict_many(
        RestrictionSpec(
            merchant=m,
            kind=Restriction.Kind.SALES_RESTRICTION,
            reason=Restriction.Reason.MANUAL,
            source="test:bulk",
            detail="typed by staff",
            starts_at=timezone.now() - timedelta(hours=1),
        )
        for m in made
    )
    assert told == [sorted(m.pk for m in made)]
    decisions = Decision.objects.filter(action="restrict")
    assert decisions.count() == 4 and {d.reason for d in decisions} == {"typed by staff"}
