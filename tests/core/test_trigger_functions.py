"""The row-history helper functions installed after migrate: same behaviour, no
per-row subtransaction."""

import pgtrigger
from django.db import connection

from core.audit import system_context
from tests.factories import MerchantFactory


def test_installed_functions_have_no_exception_block(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proname, prosrc FROM pg_proc "
            "WHERE proname IN ('_pgtrigger_should_ignore', '_pgh_attach_context')"
        )
        rows = dict(cursor.fetchall())
    assert set(rows) == {"_pgtrigger_should_ignore", "_pgh_attach_context"}
    assert all("EXCEPTION" not in source for source in rows.values())


def test_history_rows_carry_the_context(db):
    with system_context("nightly-test"):
        merchant = MerchantFactory()
    event = merchant.events.get()
    assert event.pgh_context.metadata["actor"] == "system:nightly-test"


def test_history_without_context_has_none(db):
    merchant = MerchantFactory()
    assert merchant.events.get().pgh_context is None


def test_ignored_triggers_are_still_ignored(db):
    with pgtrigger.ignore("merchants.Merchant:insert_insert"):
        merchant = MerchantFactory()
    assert not merchant.events.exists()
    other = MerchantFactory()
    assert other.events.count() == 1
