"""SLA breaches as lasting facts (complaints.models.SLABreach), and their history.

The backfill reads the breach alerts the sweep raised before this table existed, in one
INSERT ... SELECT: the alert key `sla_breached:<target>:case:<id>:<policy>[:<cycle>]`
(`:reopen<n>` for a reopened resolution) gives the case, the clock and its cycle; the
breached instant is the due instant the sweep's escalation decision recorded in the same
statement, else the clock's due instant when it is still in that cycle, else (no better
record) the alert's own instant.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


BACKFILL = r"""
WITH case_type AS (
    SELECT id FROM django_content_type WHERE app_label = 'complaints' AND model = 'case'
),
breach AS (
    SELECT a.created_at, split_part(a.key, ':', 2) AS target,
           split_part(a.key, ':', 4)::bigint AS case_id,
           COALESCE(NULLIF(regexp_replace(split_part(a.key, ':', 6), '[^0-9]', '', 'g'), ''),
                    '0')::int AS cycle
      FROM core_alert AS a
     WHERE a.kind = 'sla_breached' AND a.key LIKE 'sla_breached:%%:case:%%'
       AND a.content_type_id = (SELECT id FROM case_type)
       AND split_part(a.key, ':', 2) IN ('response', 'resolution', 'merchant_answer')
)
INSERT INTO complaints_slabreach (case_id, target, cycle, breached_at, created_at)
SELECT b.case_id, b.target, b.cycle,
       COALESCE(
           (SELECT (d.data ->> 'due')::timestamptz
              FROM core_decision AS d
             WHERE d.content_type_id = (SELECT id FROM case_type)
               AND d.object_id = b.case_id::text AND d.action = 'escalate'
               AND d.data ->> 'target' = b.target AND d.created_at = b.created_at
             LIMIT 1),
           (SELECT k.due_at FROM complaints_slaclock AS k
             WHERE k.case_id = b.case_id AND k.target = b.target AND k.cycle = b.cycle),
           b.created_at),
       b.created_at
  FROM breach AS b
  JOIN complaints_case AS c ON c.id = b.case_id
ON CONFLICT (case_id, target, cycle) DO NOTHING
"""


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0010_merge_remedies_notices'),
        ('core', '0005_merge_branches'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='SLABreach',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('target', models.CharField(choices=[('response', 'first response'), ('resolution', 'resolution'), ('merchant_answer', 'merchant answer')], max_length=20, verbose_name='target')),
                ('cycle', models.PositiveSmallIntegerField(default=0, verbose_name='cycle')),
                ('breached_at', models.DateTimeField(verbose_name='breached at')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='recorded')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='breaches', to='complaints.case', verbose_name='case')),
            ],
            options={
                'verbose_name': 'SLA breach',
                'verbose_name_plural': 'SLA breaches',
                'ordering': ['-breached_at'],
                'indexes': [models.Index(fields=['target', 'breached_at'], name='sla_breach_by_target')],
                'constraints': [models.UniqueConstraint(fields=('case', 'target', 'cycle'), name='sla_breach_once_per_cycle')],
            },
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
