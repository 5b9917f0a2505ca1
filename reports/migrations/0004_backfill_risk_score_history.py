"""One history row from each existing risk score, so every scored merchant's history starts
with its current score (set-based; the recompute appends from here on)."""

from django.db import migrations

FORWARD = """
INSERT INTO reports_riskscorehistory
    (merchant_id, score, tier, policy_version_id, computed_at, factors)
SELECT r.merchant_id, r.score, r.tier, r.policy_version_id, r.computed_at, r.factors
FROM reports_riskscore AS r
WHERE NOT EXISTS (
    SELECT 1 FROM reports_riskscorehistory AS h
    WHERE h.merchant_id = r.merchant_id AND h.computed_at = r.computed_at
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_risk_score_history"),
    ]

    operations = [
        migrations.RunSQL(FORWARD, reverse_sql=migrations.RunSQL.noop, elidable=True),
    ]
