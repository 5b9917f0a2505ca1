"""A re-test that accepts the lot withdraws the rejected lot's violation with a code plus
the re-test's number, read in each reader's language (issue 19), on the entry and on the
decision that records the withdrawal; the objection the re-test decides keeps a code too."""

from importlib import import_module
from types import SimpleNamespace

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from core.audit import decisions_for
from core.decision_labels import reason_label
from core.models import Decision
from inspections import reason_texts as inspection_reasons
from inspections import services
from inspections.models import Objection
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


def _objected(product, owner, inspect):
    original = inspect(product, failures=REJECT)
    return services.submit_objection(
        inspection=original, reason="The lab used an expired reagent.", by=owner
    )


def test_the_retest_decides_the_objection_in_each_readers_words(product_a, owner_a, inspect):
    objection = _objected(product_a, owner_a, inspect)
    retest = inspect(product_a, plan=objection.retest_plan)
    objection.refresh_from_db()
    assert objection.status == "upheld" and objection.decision_note == ""
    assert objection.decision_code == inspection_reasons.OBJECTION_UPHELD
    assert objection.decision_params == {"id": retest.pk}
    english, chinese = in_both(lambda: objection.decision_text)
    assert english == f"Re-test #{retest.pk} accepted the lot; the verdict is overturned."
    assert chinese.startswith(f"复检 #{retest.pk}")
    (upheld,) = [d for d in decisions_for(objection) if d.action == "upheld"]
    assert upheld.reason == "" and in_both(lambda: reason_label(upheld)) == (english, chinese)


def test_a_failed_retest_dismisses_the_objection_with_a_code(product_a, owner_a, inspect):
    objection = _objected(product_a, owner_a, inspect)
    retest = inspect(product_a, plan=objection.retest_plan, failures=REJECT)
    objection.refresh_from_db()
    assert objection.status == "dismissed"
    assert objection.decision_code == inspection_reasons.OBJECTION_DISMISSED
    english, chinese = in_both(lambda: objection.decision_text)
    assert english == f"Re-test #{retest.pk} rejected the lot too; the verdict stands."
    assert chinese.startswith(f"复检 #{retest.pk}") and english != chinese


def test_objection_decisions_stored_as_sentences_get_their_code(product_a, owner_a, inspect):
    objection = _objected(product_a, owner_a, inspect)
    Objection.objects.filter(pk=objection.pk).update(
        status="upheld", decision_note="Re-test #41 accepted the lot; the verdict is overturned."
    )
    typed = _objected(product_a, owner_a, inspect)
    Objection.objects.filter(pk=typed.pk).update(decision_note="Decided on the phone.")
    ct = ContentType.objects.get_for_model(Objection)
    old = Decision.objects.create(
        content_type=ct,
        object_id=str(objection.pk),
        action="upheld",
        actor_label="system",
        reason="Re-test #41 accepted the lot; the verdict is overturned.",
    )
    migration = import_module("inspections.migrations.0007_objection_decision_backfill")
    migration.forwards(apps, SimpleNamespace(connection=connection))
    objection.refresh_from_db()
    typed.refresh_from_db()
    old.refresh_from_db()
    assert (objection.decision_note, objection.decision_code) == (
        "",
        inspection_reasons.OBJECTION_UPHELD,
    )
    assert "#41" in in_both(lambda: objection.decision_text)[1]
    assert (typed.decision_code, typed.decision_text) == ("", "Decided on the phone.")
    assert old.reason == "" and old.data["reason_code"] == inspection_reasons.OBJECTION_UPHELD
