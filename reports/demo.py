"""Demo data for reports (risk): scores for every live merchant from the other apps'
examples, recomputed once every app has seeded (sanctions and restrictions included), and
the spike check. Idempotent: the recompute rewrites scores in place and alerts are keyed."""

from reports.services import risk


def seed(log):
    result = risk.recompute_scores()
    log(f"  risk scores computed: {result.scored}")


def seed_late(log):
    result = risk.recompute_scores()
    spikes = risk.detect_spikes()
    log(
        f"  risk scores recomputed: {result.scored}; spikes this week "
        f"{spikes.merchant_alerts + spikes.category_alerts}"
    )
    for row in risk.top_risk(limit=3):
        log(f"    {row['merchant']}: {row['score']} ({row['tier']})")
