"""A re-test that accepts the lot withdraws the rejected lot's violation with a code plus
the re-test's number, read in each reader's language (issue 19), on the entry and on the
decision that records the withdrawal."""

from core.audit import decisions_for
from core.decision_labels import reason_label
from inspections import services
from merchants import reason_texts
from merchants.models import ViolationEntry
from tests.languages import in_both

REJECT = {"critical": 1}


def test_a_passed_retest_withdraws_the_violation_with_a_code(product_a, owner_a, inspect):
    original = inspect(product_a, failures=REJECT)
    objection = services.submit_objection(
        inspection=original, reason="The lab used an expired reagent.", by=owner_a
    )
    retest = inspect(product_a, plan=objection.retest_plan)
    entry = ViolationEntry.objects.get(merchant=product_a.merchant)
    assert entry.status == "withdrawn"
    assert (entry.withdrawal_reason, entry.withdrawal_code) == (
        "",
        reason_texts.RETEST_OVERTURNED,
    )
    assert entry.withdrawal_params == {"id": retest.pk}
    assert in_both(lambda: entry.withdrawal_text) == (
        f"Re-test #{retest.pk} accepted the lot; the verdict is overturned.",
        f"复检 #{retest.pk} 判定该批接收；原判定被推翻。",  # noqa: RUF001
    )
    withdrawn = [d for d in decisions_for(entry) if d.action == "withdraw"]
    assert len(withdrawn) == 1 and withdrawn[0].reason == ""
    assert withdrawn[0].data["reason_code"] == reason_texts.RETEST_OVERTURNED
    assert withdrawn[0].data["reason_params"] == {"id": retest.pk}
    assert in_both(lambda: reason_label(withdrawn[0]))[1] == (
        f"复检 #{retest.pk} 判定该批接收；原判定被推翻。"  # noqa: RUF001
    )
