"""Ratings and decision records are partitioned by month; the monthly task creates the
months ahead and, when a retention is configured, exports old months to a file before it
detaches and drops them."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from core import partitioning
from core.models import Decision
from reviews.models import ServiceRating
from tests.factories.reviews import ProductReviewFactory, PurchaseFactory, ServiceRatingFactory

pytestmark = pytest.mark.django_db

TABLE = "reviews_servicerating"
DECISIONS = "core_decision"
# Far from the real date: the migration made partitions around today only.
JAN = datetime(2031, 1, 15, 9, 0, tzinfo=UTC)
MAY = datetime(2031, 5, 10, 9, 0, tzinfo=UTC)


def _one(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _database_month_partitions() -> str:
    """History events are stamped by the database's clock (`pgh_created_at`). Under a
    shifted test clock (CI's QUALITY_CLOCK_SHIFT_DAYS) the migrations made the months
    around the shifted date, not the database's month: make that one too. Returns it
    (YYYYMM)."""
    (now,) = _one("SELECT now()")
    partitioning.ensure_partitions(now=now, months_ahead=0)
    return f"{now.astimezone(UTC):%Y%m}"


def _partition_of(rating) -> str:
    sql = f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s"  # noqa: S608
    return _one(sql, [rating.pk])[0]


def _names() -> set[str]:
    return {name for name, _month in partitioning.partitions(TABLE)}


def _partitioning(table) -> tuple:
    """(strategy, key column) of a partitioned table: ("r", "created_at") by range of month."""
    return _one(
        "SELECT p.partstrat, a.attname FROM pg_partitioned_table p "
        "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
        "WHERE p.partrelid = %s::regclass",
        [table],
    )


def _rating_at(when):
    return ServiceRatingFactory(created_at=when)


def test_ratings_are_range_partitioned_by_month_with_a_key_that_holds_the_month():
    assert _partitioning(TABLE) == ("r", "created_at")
    (pkey,) = _one(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'p'",
        [TABLE],
    )
    assert pkey == "PRIMARY KEY (id, created_at)"
    assert f"{TABLE}{partitioning.DEFAULT_SUFFIX}" in _names()
    # Django keeps `id` as the pk: saves and lookups work as before.
    rating = ServiceRatingFactory()
    rating.logistics = 3
    rating.save()
    assert ServiceRating.objects.get(pk=rating.pk).logistics == 3


def test_the_monthly_task_creates_the_months_ahead_once():
    with time_machine.travel(JAN, tick=False):
        first = partitioning.ensure_partitions(months_ahead=3)
        assert first[TABLE] == [f"{TABLE}_p2031{m:02d}" for m in (1, 2, 3, 4)]
        with CaptureQueriesContext(connection) as queries:
            again = partitioning.ensure_partitions(months_ahead=3)
    assert again[TABLE] == []
    assert again[DECISIONS] == []
    # One look-up per table and month (partition there? its rows in the default partition?),
    # no DDL.
    assert len(queries) == 4 * len(partitioning.PARTITIONED)
    assert not any("CREATE" in q["sql"] for q in queries.captured_queries)
    assert {f"{TABLE}_p2031{m:02d}" for m in (1, 2, 3, 4)} <= _names()


def test_rows_land_in_their_months_partition_and_strays_in_the_default_one():
    with time_machine.travel(JAN, tick=False):
        partitioning.ensure_partitions(months_ahead=2)
    january = _rating_at(datetime(2031, 1, 31, 23, 59, 59, tzinfo=UTC))
    february = _rating_at(datetime(2031, 2, 1, 0, 0, tzinfo=UTC))
    stray = _rating_at(datetime(2032, 6, 1, tzinfo=UTC))
    assert _partition_of(january) == f"{TABLE}_p203101"
    assert _partition_of(february) == f"{TABLE}_p203102"
    assert _partition_of(stray) == f"{TABLE}{partitioning.DEFAULT_SUFFIX}"
    # A month whose rows sit in the default partition cannot be created: it is left out.
    with time_machine.travel(datetime(2032, 6, 2, tzinfo=UTC), tick=False):
        created = partitioning.ensure_partitions(months_ahead=1)
    assert created[TABLE] == [f"{TABLE}_p203207"]
    assert _partition_of(stray) == f"{TABLE}{partitioning.DEFAULT_SUFFIX}"


def test_one_rating_per_purchase_holds_across_months():
    with time_machine.travel(JAN, tick=False):
        partitioning.ensure_partitions(months_ahead=2)
    purchase = PurchaseFactory()
    _ = ServiceRatingFactory(purchase=purchase, created_at=datetime(2031, 1, 20, tzinfo=UTC))
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRatingFactory(purchase=purchase, created_at=datetime(2031, 2, 20, tzinfo=UTC))
    assert ServiceRating.objects.filter(purchase=purchase).count() == 1


@pytest.fixture
def three_months():
    """Ratings in January (2), February (1) and March (1) 2031."""
    with time_machine.travel(JAN, tick=False):
        partitioning.ensure_partitions(months_ahead=5)
    ratings = {
        "jan": [_rating_at(datetime(2031, 1, d, tzinfo=UTC)) for d in (3, 30)],
        "feb": [_rating_at(datetime(2031, 2, 14, tzinfo=UTC))],
        "mar": [_rating_at(datetime(2031, 3, 1, tzinfo=UTC))],
    }
    # Rows written long before retention has no deferred foreign-key checks pending.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return ratings


def test_retention_exports_then_drops_only_the_months_past_it(three_months, settings, tmp_path):
    settings.PARTITION_RETENTION_MONTHS = {TABLE: 2}
    archived = partitioning.apply_retention(now=MAY, folder=tmp_path)
    # May minus two months: March on is kept; January and February are archived (and the
    # empty months the migration made around the real date, all long before).
    archived = [a for a in archived if "_p2031" in a.partition]
    assert [(a.partition, a.rows) for a in archived] == [
        (f"{TABLE}_p203101", 2),
        (f"{TABLE}_p203102", 1),
    ]
    names = _names()
    assert f"{TABLE}_p203101" not in names and f"{TABLE}_p203102" not in names
    assert f"{TABLE}_p203103" in names
    rows = partitioning.read_archive(tmp_path / TABLE / f"{TABLE}_p203101.csv.gz")
    assert [int(r["id"]) for r in rows] == sorted(r.pk for r in three_months["jan"])
    assert {r["purchase_id"] for r in rows} == {str(r.purchase_id) for r in three_months["jan"]}
    assert not ServiceRating.objects.filter(pk__in=[r.pk for r in three_months["jan"]]).exists()
    assert ServiceRating.objects.filter(pk=three_months["mar"][0].pk).exists()
    decision = Decision.objects.get(action="archive_partition", object_id=f"{TABLE}_p203102")
    assert decision.data["rows"] == 1 and decision.data["sha256"] == archived[1].sha256
    assert (tmp_path / TABLE / f"{TABLE}_p203102.json").exists()


def test_nothing_is_dropped_when_the_export_fails(three_months, settings, tmp_path):
    settings.PARTITION_RETENTION_MONTHS = {TABLE: 2}
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the archive folder should be")
    assert partitioning.apply_retention(now=MAY, folder=blocked) == []
    assert {f"{TABLE}_p203101", f"{TABLE}_p203102"} <= _names()
    assert ServiceRating.objects.filter(pk__in=[r.pk for r in three_months["jan"]]).count() == 2
    assert not Decision.objects.filter(action="archive_partition").exists()


def test_without_a_retention_everything_is_kept(three_months, settings, tmp_path):
    settings.PARTITION_RETENTION_MONTHS = {TABLE: 0}
    assert partitioning.apply_retention(now=MAY, folder=tmp_path) == []
    assert {f"{TABLE}_p203101", f"{TABLE}_p203102"} <= _names()
    assert not any(tmp_path.iterdir())


def test_the_monthly_task_runs_on_the_reports_queue_from_beat(settings):
    from config.celery import app

    route = app.amqp.router.route({}, "core.tasks.maintain_partitions")
    assert route["queue"].name == "reports"
    entry = settings.CELERY_BEAT_SCHEDULE["core.maintain-partitions"]
    assert entry["task"] == "core.tasks.maintain_partitions"
    assert entry["schedule"].day_of_month == {1}


# --- decision records ------------------------------------------------------------------------
def test_decisions_are_partitioned_and_nothing_points_at_a_partitioned_table():
    assert _partitioning(DECISIONS) == ("r", "created_at")
    kinds = _one(
        "SELECT array_agg(pg_get_constraintdef(oid) ORDER BY conname) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u')",
        [DECISIONS],
    )[0]
    assert kinds == ["PRIMARY KEY (id, created_at)"]
    # A foreign key into a partitioned table would need the partition key in it: none exists.
    for table in partitioning.PARTITIONED:
        (inbound,) = _one(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND confrelid IN ("
            "  SELECT %s::regclass UNION SELECT inhrelid FROM pg_inherits "
            "  WHERE inhparent = %s::regclass)",
            [table, table],
        )
        assert inbound == 0, table
    # Every partitioned table has a retention setting (0 = keep forever by default).
    from django.conf import settings

    assert set(settings.PARTITION_RETENTION_MONTHS) == set(partitioning.PARTITIONED)


def _decision_at(when, merchant, action):
    from core.audit import record_decision

    with time_machine.travel(when, tick=False):
        return record_decision(merchant, action=action, reason="test")


def test_decisions_land_in_their_month_and_old_months_are_archived_then_dropped(
    merchant_a, settings, tmp_path
):
    with time_machine.travel(JAN, tick=False):
        partitioning.ensure_partitions(months_ahead=5)
    january = _decision_at(datetime(2031, 1, 31, 23, 59, tzinfo=UTC), merchant_a, "approve")
    march = _decision_at(datetime(2031, 3, 1, tzinfo=UTC), merchant_a, "suspend")
    sql = f"SELECT tableoid::regclass::text FROM {DECISIONS} WHERE id = %s"  # noqa: S608
    assert _one(sql, [january.pk])[0] == f"{DECISIONS}_p203101"
    assert _one(sql, [march.pk])[0] == f"{DECISIONS}_p203103"
    # Django keeps `id` as the pk: lookups and updates work as before.
    Decision.objects.filter(pk=january.pk).update(reason="corrected")
    assert Decision.objects.get(pk=january.pk).reason == "corrected"
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    settings.PARTITION_RETENTION_MONTHS = {DECISIONS: 2}
    with time_machine.travel(MAY, tick=False):  # the archive records land in May's partition
        archived = partitioning.apply_retention(now=MAY, folder=tmp_path)
    ours = [(a.partition, a.rows) for a in archived if "_p2031" in a.partition]
    assert ours == [(f"{DECISIONS}_p203101", 1), (f"{DECISIONS}_p203102", 0)]
    names = {name for name, _month in partitioning.partitions(DECISIONS)}
    assert f"{DECISIONS}_p203101" not in names and f"{DECISIONS}_p203103" in names
    rows = partitioning.read_archive(tmp_path / DECISIONS / f"{DECISIONS}_p203101.csv.gz")
    assert [(int(r["id"]), r["action"], r["reason"]) for r in rows] == [
        (january.pk, "approve", "corrected")
    ]
    assert not Decision.objects.filter(pk=january.pk).exists()
    assert Decision.objects.filter(pk=march.pk).exists()
    record = Decision.objects.get(action="archive_partition", object_id=f"{DECISIONS}_p203101")
    assert record.data["rows"] == 1 and record.content_type.model == "decision"
    assert _one(sql, [record.pk])[0] == f"{DECISIONS}_p203105"


# --- risk score history and history event tables ---------------------------------------------
RISK_HISTORY = "reports_riskscorehistory"
EVENT_TABLES = (
    "reviews_serviceratingevent",
    "reviews_productreviewevent",
    "complaints_caseevent",
    "products_productevent",
    "merchants_restrictionevent",
)


def _primary_key(table) -> str:
    return _one(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'p'",
        [table],
    )[0]


def _indexes(table) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        return {row[0] for row in cursor.fetchall()}


def test_risk_history_and_event_tables_are_partitioned_with_their_indexes():
    assert _partitioning(RISK_HISTORY) == ("r", "computed_at")
    assert _primary_key(RISK_HISTORY) == "PRIMARY KEY (id, computed_at)"
    assert "risk_history_by_merchant" in _indexes(RISK_HISTORY)
    for table in EVENT_TABLES:
        assert _partitioning(table) == ("r", partitioning.HISTORY_STAMP), table
        assert _primary_key(table) == "PRIMARY KEY (pgh_id, pgh_created_at)", table
        # The tracked object's index is there (one per partition), and pgh_id is the identity.
        obj_index = [name for name in _indexes(table) if "_pgh_obj_id_" in name]
        assert obj_index, table
        (identity,) = _one(
            "SELECT attidentity FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attname = 'pgh_id'",
            [table],
        )
        assert identity == "d", table
        assert partitioning.key_of(table) == "pgh_id"
    assert partitioning.key_of(RISK_HISTORY) == "id"


def test_the_monthly_task_creates_the_months_ahead_of_the_new_tables():
    with time_machine.travel(JAN, tick=False):
        created = partitioning.ensure_partitions(months_ahead=1)
    for table in (RISK_HISTORY, *EVENT_TABLES):
        assert created[table] == [f"{table}_p203101", f"{table}_p203102"], table


def test_history_triggers_still_write_into_this_months_partition(merchant_a):
    """Row-level (cases, ratings, reviews) and statement-level (products, restrictions) history
    triggers insert into the partitioned event tables; the app reads the events back."""
    from merchants.models import Restriction
    from products.models import Product
    from tests.factories.complaints import CaseFactory
    from tests.factories.products import ProductFactory

    this_month = _database_month_partitions()
    case = CaseFactory(merchant=merchant_a)
    product = ProductFactory(merchant=merchant_a)
    Product.objects.filter(pk=product.pk).update(title="Renamed kettle")  # set-based
    restriction = Restriction.objects.create(
        merchant=merchant_a,
        kind=Restriction.Kind.SALES_RESTRICTION,
        reason=Restriction.Reason.DOCUMENT_EXPIRED,
        source="merchants.document:test_partitioning:1",
        starts_at=datetime(2026, 12, 1, tzinfo=UTC),
    )
    rating = ServiceRatingFactory(merchant=merchant_a)
    review = ProductReviewFactory()
    written = {
        "complaints_caseevent": case.events.all(),
        "products_productevent": product.events.all(),
        "merchants_restrictionevent": restriction.events.all(),
        "reviews_serviceratingevent": rating.events.all(),
        "reviews_productreviewevent": review.events.all(),
    }
    for table, events in written.items():
        events = list(events.order_by("pgh_id"))
        assert events and events[0].pgh_label == "insert", table
        sql = f"SELECT DISTINCT tableoid::regclass::text FROM {table} WHERE pgh_obj_id = %s"  # noqa: S608
        assert _one(sql, [events[0].pgh_obj_id]) == (f"{table}_p{this_month}",), table
    product_events = list(product.events.order_by("pgh_id"))
    assert [e.pgh_label for e in product_events] == ["insert", "update"]
    assert product_events[-1].title == "Renamed kettle"


def test_risk_history_lands_in_its_month_and_retention_archives_it(merchant_a, settings, tmp_path):
    from reports.models import RiskScoreHistory
    from reports.services.risk import recompute_scores, score_history

    with time_machine.travel(JAN, tick=False):
        partitioning.ensure_partitions(months_ahead=5)
        recompute_scores()
    (january,) = RiskScoreHistory.objects.filter(merchant=merchant_a)
    sql = f"SELECT tableoid::regclass::text FROM {RISK_HISTORY} WHERE id = %s"  # noqa: S608
    assert _one(sql, [january.pk])[0] == f"{RISK_HISTORY}_p203101"
    assert [row.pk for row in score_history(merchant_a.pk)] == [january.pk]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    settings.PARTITION_RETENTION_MONTHS = {RISK_HISTORY: 2}
    with time_machine.travel(MAY, tick=False):
        archived = partitioning.apply_retention(now=MAY, folder=tmp_path)
    ours = [(a.partition, a.rows) for a in archived if "_p2031" in a.partition]
    assert ours == [(f"{RISK_HISTORY}_p203101", 1), (f"{RISK_HISTORY}_p203102", 0)]
    rows = partitioning.read_archive(tmp_path / RISK_HISTORY / f"{RISK_HISTORY}_p203101.csv.gz")
    assert [(int(r["id"]), r["merchant_id"]) for r in rows] == [(january.pk, str(merchant_a.pk))]
    assert not RiskScoreHistory.objects.filter(pk=january.pk).exists()
    assert {f"{RISK_HISTORY}_p203103", f"{RISK_HISTORY}_p203105"} <= {
        name for name, _month in partitioning.partitions(RISK_HISTORY)
    }


def test_event_retention_exports_in_event_order_then_drops(merchant_a, settings, tmp_path):
    """Events are stamped by the database's clock, so they sit in the real month; a
    retention run far ahead archives that month, ordered by pgh_id, then drops it."""
    from products.models import Product
    from tests.factories.products import ProductFactory

    table = "products_productevent"
    month = _database_month_partitions()
    products = [ProductFactory(merchant=merchant_a) for _ in range(3)]
    Product.objects.filter(pk__in=[p.pk for p in products]).update(title="Bulk rename")
    events = list(Product.pgh_event_model.objects.order_by("pgh_id"))
    assert len(events) == 6
    partition = f"{table}_p{month}"
    settings.PARTITION_RETENTION_MONTHS = {table: 2}
    with time_machine.travel(MAY, tick=False):
        archived = partitioning.apply_retention(now=MAY, folder=tmp_path)
    mine = [a for a in archived if a.partition == partition]
    assert [a.rows for a in mine] == [6]
    rows = partitioning.read_archive(tmp_path / table / f"{partition}.csv.gz")
    assert [int(r["pgh_id"]) for r in rows] == [e.pgh_id for e in events]
    assert [r["pgh_label"] for r in rows] == ["insert"] * 3 + ["update"] * 3
    assert {int(r["id"]) for r in rows} == {p.pk for p in products}
    assert not Product.pgh_event_model.objects.exists()
    assert partition not in {name for name, _month in partitioning.partitions(table)}
    record = Decision.objects.get(action="archive_partition", object_id=partition)
    assert record.data["rows"] == 6 and record.content_type.model == "productevent"
    # The history triggers keep writing after the drop: into the default partition.
    Product.objects.filter(pk=products[0].pk).update(title="After the drop")
    after = Product.pgh_event_model.objects.get()
    sql = f"SELECT tableoid::regclass::text FROM {table} WHERE pgh_id = %s"  # noqa: S608
    assert _one(sql, [after.pgh_id])[0] == f"{table}{partitioning.DEFAULT_SUFFIX}"
