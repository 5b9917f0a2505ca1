import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0007_case_language_goods_opened"),
    ]

    operations = [
        migrations.CreateModel(
            name="SLABreach",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "target",
                    models.CharField(
                        choices=[
                            ("response", "first response"),
                            ("resolution", "resolution"),
                            ("merchant_answer", "merchant answer"),
                        ],
                        max_length=20,
                        verbose_name="target",
                    ),
                ),
                ("cycle", models.PositiveSmallIntegerField(default=0, verbose_name="cycle")),
                ("due_at", models.DateTimeField(verbose_name="was due")),
                ("recorded_at", models.DateTimeField(verbose_name="recorded")),
                (
                    "case",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="breaches",
                        to="complaints.case",
                        verbose_name="case",
                    ),
                ),
            ],
            options={
                "verbose_name": "SLA breach",
                "verbose_name_plural": "SLA breaches",
                "ordering": ["due_at", "id"],
                "indexes": [models.Index(fields=["target", "due_at"], name="sla_breach_by_due")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("case", "target", "cycle"), name="sla_breach_once_per_cycle"
                    )
                ],
            },
        ),
        # The clocks the sweep already marked breached become breach records (their current
        # cycle; earlier cycles of restarted clocks were never kept as facts before this).
        migrations.RunSQL(
            """
        INSERT INTO complaints_slabreach (case_id, target, cycle, due_at, recorded_at)
        SELECT case_id, target, cycle, due_at, due_at
          FROM complaints_slaclock
         WHERE stage >= 2
        ON CONFLICT DO NOTHING
        """,
            migrations.RunSQL.noop,
        ),
    ]
