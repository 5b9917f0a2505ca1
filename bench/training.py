"""Benchmark: publishing a training programme for 100,000 merchants, and the training sweep
(reminders 14/3/1, overdue alert, restriction) over 1,000,000 assignments.

Builds (set-based, generate_series) 100,000 active merchants with one owner each, all in
one transaction that is rolled back at the end. Publishes a programme for all merchants
(timed, statements counted) and a programme for a 1,000-merchant category audience (to show
the statement count does not grow with the audience). Then builds 1,000,000 assignments
(ten programmes x 100,000 merchants) with due dates spread from 35 days ago to a year ahead,
as a running system has them: those already past a reminder threshold or due date carry the
step already recorded. The sweep then runs an hour later (the beat's schedule), then a day
later (a day of crossings at once, e.g. after the beat was down) and again at the same
instant (must find nothing).

    DATABASE_URL=... REDIS_URL=... .venv/bin/python -m bench training
"""

import os
import time

from bench import Figure, within

MERCHANTS = int(os.environ.get("BENCH_TRAINING_MERCHANTS", 100_000))
PROGRAMMES = 10  # x MERCHANTS assignments
PREFIX = "T0"


class _Rollback(Exception):
    pass


def _build_merchants(cursor, category_id: int) -> None:
    cursor.execute("SET LOCAL session_replication_role = replica")
    cursor.execute(
        """
        INSERT INTO merchants_merchant (legal_name, credit_code, contact_name, contact_email,
            contact_phone, status, created_at)
        SELECT 'Training bench ' || g, %s || lpad(g::text, 16, '0'), 'x',
               'tb' || g || '@example.test', '', 'active', now()
        FROM generate_series(1, %s) g
        """,
        [PREFIX, MERCHANTS],
    )
    cursor.execute(
        """
        INSERT INTO core_user (password, is_superuser, username, first_name, last_name, email,
            is_staff, is_active, date_joined, preferred_language)
        SELECT '!', false, 'tb-owner-' || m.id, '', '', '', false, true, now(), 'zh-hans'
        FROM merchants_merchant m WHERE m.credit_code LIKE %s
        """,
        [PREFIX + "%"],
    )
    cursor.execute(
        """
        INSERT INTO merchants_membership (user_id, merchant_id, role, created_at)
        SELECT u.id, substring(u.username from 10)::bigint, 'owner', now()
        FROM core_user u WHERE u.username LIKE 'tb-owner-%%'
        """
    )
    cursor.execute(
        """
        INSERT INTO merchants_merchant_categories (merchant_id, category_id)
        SELECT m.id, %s FROM merchants_merchant m
        WHERE m.credit_code LIKE %s AND m.id %% 100 = 0
        """,
        [category_id, PREFIX + "%"],
    )
    cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    cursor.execute("ANALYZE merchants_merchant")
    cursor.execute("ANALYZE merchants_membership")


def _build_assignments(cursor, programme_ids: list[int], now) -> None:
    """One row per (programme, merchant); due dates spread over -35..+365 days, with the
    reminder, overdue and restriction steps a running system would already have taken."""
    cursor.execute(
        """
        INSERT INTO merchants_trainingassignment
            (programme_id, cycle, merchant_id, reason, source, status, assigned_at, due_at,
             reminded_days, overdue_at, restricted_at, next_step_at, certificate_number)
        SELECT p.id, 1, m.id, 'published', '', 'open', %(now)s - interval '40 days', d.due,
               CASE WHEN d.due <= %(now)s THEN 1
                    WHEN d.due <= %(now)s + interval '1 day' THEN 1
                    WHEN d.due <= %(now)s + interval '3 days' THEN 3
                    WHEN d.due <= %(now)s + interval '14 days' THEN 14 END,
               CASE WHEN d.due <= %(now)s THEN d.due END,
               CASE WHEN d.due <= %(now)s - interval '7 days' THEN d.due END,
               CASE WHEN d.due <= %(now)s THEN NULL
                    WHEN d.due <= %(now)s + interval '1 day' THEN d.due
                    WHEN d.due <= %(now)s + interval '3 days' THEN d.due - interval '1 day'
                    WHEN d.due <= %(now)s + interval '14 days' THEN d.due - interval '3 days'
                    ELSE d.due - interval '14 days' END,
               ''
        FROM unnest(%(programmes)s::bigint[]) AS p(id)
        CROSS JOIN merchants_merchant m
        CROSS JOIN LATERAL (
            SELECT %(now)s + make_interval(days => ((m.id * 7 + p.id * 13) %% 400)::int - 35,
                                           mins => ((m.id * 31) %% 1440)::int) AS due
        ) d
        WHERE m.credit_code LIKE %(like)s
        """,
        {"now": now, "programmes": programme_ids, "like": PREFIX + "%"},
    )
    cursor.execute("ANALYZE merchants_trainingassignment")


def main() -> list[Figure]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from core.audit import system_context
    from core.models import Category
    from core.roles import Role, role_group
    from merchants.models import TrainingModule, TrainingProgramme
    from merchants.services import training

    results: dict = {}
    try:
        with transaction.atomic():
            now = timezone.now()
            category = Category.objects.create(
                code="training-bench", name_zh="培训基准", name_en="Training bench"
            )
            actor = get_user_model().objects.create(username="training-bench-mm", is_staff=True)
            actor.groups.add(role_group(Role.MERCHANT_MANAGEMENT))
            started = time.perf_counter()
            with connection.cursor() as cursor:
                _build_merchants(cursor, category.pk)
            results["build_merchants"] = time.perf_counter() - started

            def programme(code, **kwargs):
                p = TrainingProgramme.objects.create(code=code, title=code, **kwargs)
                TrainingModule.objects.create(programme=p, title="Module")
                return p

            everyone = programme("bench-all")
            small = programme("bench-category", audience="categories")
            small.categories.add(category)
            training.publish_programme(programme("bench-warm"), actor=actor)  # warm caches
            for key, p in (("all", everyone), ("category", small)):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    outcome = training.publish_programme(p, actor=actor)
                    results[f"publish_{key}"] = time.perf_counter() - started
                results[f"publish_{key}_statements"] = len(queries)
                results[f"publish_{key}_assigned"] = outcome.assigned

            # The sweep over 1,000,000 assignments (the published ones are removed first so
            # exactly PROGRAMMES x MERCHANTS rows are swept).
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM merchants_trainingassignment")
            sweep_programmes = [
                programme(f"bench-sweep-{i}", restricts_sales=False).pk for i in range(PROGRAMMES)
            ]
            TrainingProgramme.objects.filter(pk__in=sweep_programmes).update(
                status="published", cycle=1, cycle_started_at=now
            )
            TrainingProgramme.objects.exclude(pk__in=sweep_programmes).update(status="retired")
            started = time.perf_counter()
            with connection.cursor() as cursor:
                _build_assignments(cursor, sweep_programmes, now)
                cursor.execute("SELECT count(*) FROM merchants_trainingassignment")
                results["assignments"] = cursor.fetchone()[0]
            results["build_assignments"] = time.perf_counter() - started
            next_day = now + timedelta(days=1)
            for run, at in (
                ("next_hour", now + timedelta(hours=1)),
                ("next_day", next_day),
                ("again", next_day),
            ):
                with (
                    CaptureQueriesContext(connection) as queries,
                    system_context("bench"),
                ):
                    started = time.perf_counter()
                    reminders = training.send_reminders(now=at)
                    overdue = training.mark_overdue(now=at)
                    restricted = training.restrict_overdue(now=at)
                    results[run] = time.perf_counter() - started
                results[f"{run}_statements"] = len(queries)
                results[f"{run}_counts"] = (reminders, overdue, len(restricted))
            with CaptureQueriesContext(connection) as queries, system_context("bench"):
                started = time.perf_counter()
                training.sweep_training(now=next_day)
                results["full"] = time.perf_counter() - started
            results["full_statements"] = len(queries)
            raise _Rollback
    except _Rollback:
        pass

    print(f"merchants built:      {MERCHANTS:,} in {results['build_merchants']:.1f} s")
    for key in ("all", "category"):
        print(
            f"publish ({key}):       {results[f'publish_{key}']:.2f} s, "
            f"{results[f'publish_{key}_statements']} statements, "
            f"{results[f'publish_{key}_assigned']:,} assignments"
        )
    print(
        f"assignments built:    {results['assignments']:,} in {results['build_assignments']:.1f} s"
    )
    for run in ("next_hour", "next_day", "again"):
        reminders, overdue, restricted = results[f"{run}_counts"]
        print(
            f"reminder sweep {run}: {results[run]:.2f} s, {results[f'{run}_statements']} "
            f"statements; reminder alerts={reminders:,} overdue alerts={overdue:,} "
            f"restricted merchants={restricted:,}"
        )
    print(
        f"full hourly sweep:    {results['full']:.2f} s, {results['full_statements']} statements "
        "(recurrence + audience entries for 10 programmes + the above)"
    )
    print(f"load average:         {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    n = f"{MERCHANTS:,} merchants"
    m = f"{results['assignments']:,} assignments"
    same = results["publish_all_statements"] == results["publish_category_statements"]
    return [
        within(f"publish a programme ({n})", results["publish_all"], 10),
        Figure(
            f"publish statements ({n} vs 1,000)",
            "constant",
            results["publish_all_statements"],
            "statements",
            same,
        ),
        within(f"reminder sweep, hourly run ({m})", results["next_hour"], 2),
        within(f"reminder sweep, a whole day's crossings at once ({m})", results["next_day"], 2),
        within(f"reminder sweep, nothing new ({m})", results["again"], 2),
    ]


if __name__ == "__main__":
    main()
