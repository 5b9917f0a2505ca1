"""Two violations arriving at once: the merchant row lock makes the ladder apply once."""

import threading

import pytest
from django.db import connection

from merchants import services
from merchants.models import Sanction, ViolationEntry
from tests.factories.merchants import MerchantFactory
from tests.factories.standing import EvidenceFactory, rules_catalogue  # noqa: F401


def run_together(*calls):
    barrier = threading.Barrier(len(calls))
    errors = []

    def worker(call):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            call()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


@pytest.mark.external
@pytest.mark.django_db(transaction=True)
def test_concurrent_crossings_apply_the_step_once_and_same_evidence_records_once():
    merchant = MerchantFactory()
    services.record_violation(
        merchant=merchant, rule_code="inspection_lot_rejected", evidence=EvidenceFactory()
    )
    shared = EvidenceFactory()
    evidences = [EvidenceFactory(), EvidenceFactory(), shared, shared]
    run_together(
        *(
            lambda evidence=evidence: services.record_violation(
                merchant=merchant, rule_code="inspection_lot_rejected", evidence=evidence
            )
            for evidence in evidences
        )
    )
    assert ViolationEntry.objects.filter(merchant=merchant).count() == 4  # 1 + 2 + shared once
    assert services.current_points(merchant) == 24
    steps = list(
        Sanction.objects.filter(merchant=merchant)
        .exclude(kind="warning")
        .values_list("step_points", flat=True)
        .order_by("step_points")
    )
    # Serialised by the lock: each arrival sees the previous ones' points, so 12 and 24
    # are each crossed exactly once.
    assert steps == [12, 24]
    connection.close()
