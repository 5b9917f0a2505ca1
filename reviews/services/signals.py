"""Integrity signals: one INSERT ... SELECT ... ON CONFLICT DO NOTHING per kind.

Each statement examines the reviews written in the sweep's lookback and attaches its
evidence as JSON. A signal is a suggestion: staff fold the review or dismiss the signal.
The unique (kind, review) constraint makes overlapping or repeated sweeps harmless.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from core import policies
from reviews.policies import INTEGRITY

_INSERT = """
    INSERT INTO reviews_integritysignal (kind, review_id, evidence, status, created_at,
                                         decision_note)
    SELECT %(kind)s, s.review_id, s.evidence, 'open', %(now)s, '' FROM ({select}) AS s
    ON CONFLICT (kind, review_id) DO NOTHING
"""

# Bursts: an anchor review closes a window (window_hours long) holding at least min_reviews
# reviews of its product, at least factor times what the product's baseline rate over the
# baseline_days before the window predicts (with a floor of one review per window). Every
# review inside such a window is flagged, with the busiest window it belongs to.
BURST = """
    WITH recent AS (
        SELECT id, product_id, created_at,
               count(*) OVER (PARTITION BY product_id ORDER BY created_at
                              RANGE BETWEEN %(window)s PRECEDING AND CURRENT ROW) AS in_window
        FROM reviews_productreview
        WHERE created_at > %(since)s - %(window)s AND created_at <= %(now)s
    ), anchors AS (
        SELECT a.id, a.product_id, a.created_at, a.in_window, b.baseline
        FROM recent a
        CROSS JOIN LATERAL (
            SELECT count(*) * (%(window_hours)s / (24.0 * %(baseline_days)s)) AS baseline
            FROM reviews_productreview p
            WHERE p.product_id = a.product_id
              AND p.created_at > a.created_at - %(window)s - %(baseline)s
              AND p.created_at <= a.created_at - %(window)s
        ) b
        WHERE a.in_window >= %(min_reviews)s
          AND a.in_window >= %(factor)s * greatest(b.baseline, 1.0)
    )
    SELECT DISTINCT ON (r.id) r.id AS review_id,
           jsonb_build_object(
               'product', a.product_id,
               'window_start', a.created_at - %(window)s,
               'window_end', a.created_at,
               'reviews_in_window', a.in_window,
               'baseline_per_window', round(a.baseline::numeric, 2),
               'window_hours', %(window_hours)s) AS evidence
    FROM anchors a
    JOIN recent r ON r.product_id = a.product_id
                 AND r.created_at > a.created_at - %(window)s
                 AND r.created_at <= a.created_at
    ORDER BY r.id, a.in_window DESC
"""

# Near-duplicates: Jaccard similarity of the texts' character 3-shingles (lower-cased,
# white space folded), in plain SQL so it needs no extension (the embedded PostgreSQL has
# no pg_trgm). Candidate pairs are found through rare shingles only (ones in at most
# `rare_df` texts of the pool), which keeps the self-join small; each candidate's exact
# Jaccard is then counted over all its shingles. Both reviews of a pair are flagged, each
# pointing at its closest match.
NEAR_DUPLICATE = """
    WITH pool AS (
        SELECT id, product_id, merchant_id, created_at,
               lower(regexp_replace(text, '\\s+', ' ', 'g')) AS t
        FROM reviews_productreview
        WHERE created_at > least(%(since)s, %(now)s - %(dup_lookback)s)
          AND created_at <= %(now)s AND length(text) >= %(min_length)s
    ), shingles AS (
        SELECT DISTINCT p.id, substr(p.t, g, 3) AS sh
        FROM pool p CROSS JOIN LATERAL generate_series(1, length(p.t) - 2) AS g
    ), sizes AS (
        SELECT id, count(*) AS n FROM shingles GROUP BY id
    ), rare AS (
        SELECT sh FROM shingles GROUP BY sh HAVING count(*) <= %(rare_df)s
    ), candidates AS (
        SELECT DISTINCT a.id AS a_id, b.id AS b_id
        FROM pool a
        JOIN shingles sa ON sa.id = a.id
        JOIN rare USING (sh)
        JOIN shingles sb ON sb.sh = sa.sh AND sb.id <> a.id
        JOIN pool b ON b.id = sb.id AND b.created_at > %(now)s - %(dup_lookback)s
        WHERE a.created_at > %(since)s
    ), pairs AS (
        SELECT c.a_id, c.b_id, count(*)::float / (za.n + zb.n - count(*)) AS score
        FROM candidates c
        JOIN shingles sa ON sa.id = c.a_id
        JOIN shingles sb ON sb.id = c.b_id AND sb.sh = sa.sh
        JOIN sizes za ON za.id = c.a_id
        JOIN sizes zb ON zb.id = c.b_id
        GROUP BY c.a_id, c.b_id, za.n, zb.n
        HAVING count(*)::float / (za.n + zb.n - count(*)) >= %(similarity)s
    ), both_sides AS (
        SELECT p.a_id AS review_id, p.b_id AS other, p.score,
               r.product_id AS other_product, r.merchant_id AS other_merchant
        FROM pairs p JOIN pool r ON r.id = p.b_id
        UNION ALL
        SELECT p.b_id, p.a_id, p.score, r.product_id, r.merchant_id
        FROM pairs p JOIN pool r ON r.id = p.a_id
    )
    SELECT DISTINCT ON (review_id) review_id,
           jsonb_build_object(
               'similar_review', other,
               'similarity', round(score::numeric, 3),
               'other_product', other_product,
               'other_merchant', other_merchant,
               'threshold', %(similarity)s) AS evidence
    FROM both_sides
    ORDER BY review_id, score DESC, other
"""

# Reviews with no purchase behind them, with what else is known about the reviewer.
UNVERIFIED = """
    SELECT r.id AS review_id,
           jsonb_build_object(
               'reviewer', r.reviewer,
               'purchases_by_reviewer',
                   (SELECT count(*) FROM reviews_purchase p WHERE p.consumer = r.reviewer),
               'purchases_of_product_by_reviewer',
                   (SELECT count(*) FROM reviews_purchase p
                     WHERE p.consumer = r.reviewer AND p.product_id = r.product_id),
               'unverified_reviews_by_reviewer',
                   (SELECT count(*) FROM reviews_productreview o
                     WHERE o.reviewer = r.reviewer AND NOT o.verified)) AS evidence
    FROM reviews_productreview r
    WHERE NOT r.verified AND r.created_at > %(since)s AND r.created_at <= %(now)s
"""

# Reviewers whose identifier is one of the reviewed merchant's own: a member's email, the
# contact email or the contact phone (normalised as reviews.identity does). Writing refuses
# exact matches, so this catches reviews by people who joined the merchant later, over
# every review rather than just the lookback.
MERCHANT_LINKED = """
    WITH links AS (
        SELECT ms.merchant_id, lower(trim(u.email)) AS identifier,
               'member_email' AS matched, u.id AS member
        FROM merchants_membership ms JOIN core_user u ON u.id = ms.user_id
        WHERE u.email <> ''
        UNION ALL
        SELECT m.id, lower(trim(m.contact_email)), 'contact_email', NULL
        FROM merchants_merchant m WHERE m.contact_email <> ''
        UNION ALL
        SELECT m.id, CASE WHEN length(d) = 13 AND left(d, 2) = '86' THEN substr(d, 3) ELSE d END,
               'contact_phone', NULL
        FROM merchants_merchant m
        CROSS JOIN LATERAL (SELECT regexp_replace(m.contact_phone, '\\D', '', 'g') AS d) x
        WHERE m.contact_phone <> ''
    )
    SELECT DISTINCT ON (r.id) r.id AS review_id,
           jsonb_build_object('reviewer', r.reviewer, 'matched', l.matched,
                              'member', l.member, 'merchant', r.merchant_id) AS evidence
    FROM reviews_productreview r
    JOIN links l ON l.merchant_id = r.merchant_id AND l.identifier = r.reviewer
    ORDER BY r.id, l.matched
"""

KINDS = {
    "burst": BURST,
    "near_duplicate": NEAR_DUPLICATE,
    "unverified": UNVERIFIED,
    "merchant_linked": MERCHANT_LINKED,
}


@transaction.atomic
def compute_signals(*, now: datetime | None = None) -> dict[str, int]:
    """Run every detector once; returns how many new signals each raised."""
    now = now or timezone.now()
    settings = policies.get(INTEGRITY, at=now)
    params = {
        "now": now,
        "since": now - timedelta(hours=settings["sweep_lookback_hours"]),
        "window": timedelta(hours=settings["burst_window_hours"]),
        "window_hours": settings["burst_window_hours"],
        "baseline": timedelta(days=settings["baseline_days"]),
        "baseline_days": settings["baseline_days"],
        "min_reviews": settings["burst_min_reviews"],
        "factor": settings["burst_factor"],
        "similarity": settings["duplicate_similarity"],
        "min_length": settings["duplicate_min_length"],
        "dup_lookback": timedelta(days=settings["duplicate_lookback_days"]),
        "rare_df": settings["duplicate_rare_shingle_texts"],
    }
    raised = {}
    with connection.cursor() as cursor:
        for kind, select in KINDS.items():
            sql = _INSERT.format(select=select)  # our own constants; values are parameters
            cursor.execute(sql, {**params, "kind": kind})
            raised[kind] = cursor.rowcount
    return raised
