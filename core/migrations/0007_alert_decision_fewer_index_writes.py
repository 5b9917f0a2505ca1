import django.db.models.deletion
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    """Fewer index writes per alert and decision (sweeps write thousands a minute).

    Alert: the key stays unique by its existing constraint `core_alert_key_key` (now declared
    as a UniqueConstraint of that name), and the LIKE index that unique=True adds goes (no
    code matches keys by pattern).

    Decision: the content type's
    own index goes (the (content_type, object_id, created_at) index leads with it), and the
    actor's index keeps only decisions with an actor (system decisions have none; `actor_id =
    x` implies `actor_id IS NOT NULL`, so lookups and PROTECT checks use it as before).

    Only indexes change, concurrently: AlterField alone would drop and re-add (re-validate)
    each foreign key over every decision; the state change is the same."""

    atomic = False

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0006_alert_unread_group"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="alert",
                    name="key",
                    field=models.CharField(max_length=255, verbose_name="key"),
                ),
                migrations.AddConstraint(
                    model_name="alert",
                    constraint=models.UniqueConstraint(fields=("key",), name="core_alert_key_key"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX CONCURRENTLY IF EXISTS core_alert_key_d0149ea1_like",
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS core_alert_key_d0149ea1_like"
                    " ON core_alert (key varchar_pattern_ops)",
                ),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="decision",
                    name="content_type",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="contenttypes.contenttype",
                    ),
                ),
                migrations.AlterField(
                    model_name="decision",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="by",
                    ),
                ),
            ],
            database_operations=[],
        ),
        AddIndexConcurrently(
            model_name="decision",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)),
                fields=["actor"],
                name="decision_actor_set",
            ),
        ),
        migrations.RunSQL(
            "DROP INDEX CONCURRENTLY IF EXISTS core_decision_actor_id_9c15d8b0",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS core_decision_actor_id_9c15d8b0"
            " ON core_decision (actor_id)",
        ),
        migrations.RunSQL(
            "DROP INDEX CONCURRENTLY IF EXISTS core_decision_content_type_id_975316d6",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS core_decision_content_type_id_975316d6"
            " ON core_decision (content_type_id)",
        ),
    ]
