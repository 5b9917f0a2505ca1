"""The SLA policy versions each process keeps (complaints.services.policies): a filing reads
no policy, and a change made anywhere applies to the next filing in every process."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from complaints import services
from complaints.models import CalendarDay, CalendarKind, CaseKind, Priority, SLAPolicy
from complaints.services import policies
from tests.factories.complaints import BusinessCalendarFactory
from tests.factories.products import ProductFactory

pytestmark = pytest.mark.django_db

FILED = datetime(2026, 11, 23, 9, 15, 42, tzinfo=UTC)  # a Monday


def _file(n):
    product = ProductFactory()
    with CaptureQueriesContext(connection) as queries:
        case = services.file_case(
            channel="web",
            kind="complaint",
            merchant=product.merchant,
            product=product,
            consumer_name="Li Na",
            consumer_email=f"li{n}@example.test",
            order_number=f"CACHE-{n}",
            complaint_type="quality_defect",
            description="The kettle leaks.",
        )
    read = [q["sql"] for q in queries.captured_queries if '"complaints_slapolicy"' in q["sql"]]
    return case, read


def _due_in(case) -> timedelta:
    return case.response_due_at - case.created_at


def _publish(capture, **targets):
    """Publish and commit (in a test: the captured on-commit callbacks run)."""
    with capture(execute=True):
        return services.publish_policy(
            kind=CaseKind.COMPLAINT, priority=Priority.NORMAL, note="changed", **targets
        )


def test_filings_read_the_policy_once_per_change(django_capture_on_commit_callbacks):
    with time_machine.travel(FILED, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            _file(0)  # publishes the defaults, version 1
        first, read = _file(1)
        assert read  # the first filing after a change reads the versions
        second, read = _file(2)
        assert read == []  # the next ones read none
        assert _due_in(first) == _due_in(second) == timedelta(hours=24)
        _publish(django_capture_on_commit_callbacks, first_response_hours=12)
        third, read = _file(3)
    assert read
    assert (third.policy.version, _due_in(third)) == (2, timedelta(hours=12))


def test_a_change_committed_by_another_process_applies_at_the_next_filing(
    django_capture_on_commit_callbacks,
):
    """This process keeps what it read; another process publishes a version (here: done
    and committed, then this process's kept versions put back, as if it had not seen the
    signal). The shared generation has changed, so the next filing here reads again."""
    with time_machine.travel(FILED, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            _file(0)
        _file(1)
        kept = policies._snapshot
        assert kept.versions
        _publish(django_capture_on_commit_callbacks, first_response_hours=6)
        policies._snapshot = kept  # this process never heard of the change
        case, read = _file(2)
    assert read
    assert (case.policy.version, _due_in(case)) == (2, timedelta(hours=6))


def test_an_edited_version_and_a_new_holiday_apply_at_the_next_filing(
    django_capture_on_commit_callbacks,
):
    calendar = BusinessCalendarFactory()  # Mon-Fri 09:00-18:00 Shanghai
    with django_capture_on_commit_callbacks(execute=True):
        policy = services.publish_policy(
            kind=CaseKind.COMPLAINT,
            priority=Priority.NORMAL,
            first_response_hours=8,
            calendar_kind=CalendarKind.BUSINESS_HOURS,
            business_calendar=calendar,
            effective_from=datetime(2026, 1, 1, tzinfo=UTC),
        )
    # Friday 27 Nov 16:00 Shanghai: 2 h on Friday, 6 h on Monday → Monday 15:00 (07:00 UTC).
    with time_machine.travel(datetime(2026, 11, 27, 8, 0, tzinfo=UTC), tick=False):
        friday, _ = _file(1)
        assert friday.response_due_at == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
        # Monday becomes a holiday: Tuesday 15:00.
        with django_capture_on_commit_callbacks(execute=True):
            CalendarDay.objects.create(calendar=calendar, date=date(2026, 11, 30), kind="holiday")
        after_holiday, _ = _file(2)
        assert after_holiday.response_due_at == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
        # An unused version edited in the admin: 8 h → 2 h, published later than the first.
        with django_capture_on_commit_callbacks(execute=True):
            unused = services.publish_policy(
                kind=CaseKind.COMPLAINT,
                priority=Priority.NORMAL,
                first_response_hours=4,
                effective_from=datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
            )
        _file(3)  # still version 2 in force: the kept versions include the future one
        with django_capture_on_commit_callbacks(execute=True):
            unused.first_response_hours = 2
            unused.save()
    with time_machine.travel(datetime(2026, 11, 27, 9, 0, tzinfo=UTC), tick=False):
        edited, _ = _file(4)
    assert edited.policy == unused
    assert _due_in(edited) == timedelta(hours=2)
    assert (policy.version, unused.version) == (1, 2)


def test_a_rolled_back_change_is_never_kept(django_capture_on_commit_callbacks):
    """A filing in the same transaction as a change sees it (from the database); after a
    rollback the process files with the version that was committed."""
    with time_machine.travel(FILED, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            _file(0)
        _file(1)
        try:
            with transaction.atomic():
                services.publish_policy(
                    kind=CaseKind.COMPLAINT, priority=Priority.NORMAL, first_response_hours=3
                )
                inside, _ = _file(2)
                assert _due_in(inside) == timedelta(hours=3)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        case, _ = _file(3)
    assert (case.policy.version, _due_in(case)) == (1, timedelta(hours=24))
    assert SLAPolicy.objects.filter(pk=case.policy_id).exists()
