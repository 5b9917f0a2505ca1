"""Scanning products for advertising claims, the bulk rescan, and the review decisions.

Matching is Python (products/claims.py); everything that touches rows is set-based: a batch
of products is read with one query, its hits are written with one upsert, and the open flags
the batch no longer produces are closed with one UPDATE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from core.audit import record_decision
from core.db import advisory_xact_lock
from core.exceptions import DomainError
from products import claims, reason_texts
from products.models import ClaimCategory, ClaimFlag, ClaimPhrase, ClaimTerm, Product, ScanRun

BATCH = 2000
SCANNED_FIELDS = ("title", "description")

CATEGORY_EXPLANATIONS = {
    claims.STATE_LEVEL: gettext_lazy(
        "It claims a state or world rank (Advertising Law art. 9(3) forbids “national-level” "
        "and similar terms)."
    ),
    claims.SUPERLATIVE: gettext_lazy(
        "It is a superlative (“best”, “most”), which Advertising Law art. 9(3) forbids in "
        "advertising."
    ),
    claims.RANK_FIRST: gettext_lazy(
        "It claims first place or first choice, an absolute term under Advertising Law art. 9(3)."
    ),
    claims.TOP_GRADE: gettext_lazy(
        "It claims the highest grade (“top”, “supreme”), an absolute term under Advertising "
        "Law art. 9(3)."
    ),
    claims.UNIQUENESS: gettext_lazy(
        "It claims to be the only one, which cannot be substantiated and is an absolute "
        "term under Advertising Law art. 9(3)."
    ),
    claims.ABSOLUTE: gettext_lazy(
        "It promises an absolute result (“100%”, “absolutely”), forbidden by Advertising Law "
        "art. 9(3)."
    ),
    claims.PRICE: gettext_lazy(
        "It claims the lowest price anywhere, an absolute term under Advertising Law "
        "art. 9(3) that the Price Law also scrutinises."
    ),
}
EXEMPTION_EXPLANATIONS = {
    claims.TRADEMARK: gettext_lazy(
        "It may be part of a registered trademark (%(detail)s); keep the registration "
        "certificate ready."
    ),
    claims.OFFICIAL_GRADE: gettext_lazy(
        "It may be an official grade or designation (%(detail)s); keep the certificate or "
        "standard reference ready."
    ),
    claims.OWN_RANGE: gettext_lazy(
        "It may compare only within your own range (%(detail)s); say so explicitly."
    ),
    claims.QUOTED_AWARD: gettext_lazy(
        "It may quote an award name (%(detail)s); keep evidence of the award ready."
    ),
}


# --- the matcher built from the maintained list ------------------------------------------
_MATCHER_CACHE: dict = {}


def _list_fingerprint() -> tuple:
    return (
        ClaimTerm.objects.aggregate(at=Max("updated_at"))["at"],
        ClaimTerm.objects.count(),
        ClaimPhrase.objects.aggregate(at=Max("updated_at"))["at"],
        ClaimPhrase.objects.count(),
    )


def current_matcher() -> claims.Matcher:
    """The matcher for the active terms and phrases, rebuilt when the list changed."""
    fingerprint = _list_fingerprint()
    cached = _MATCHER_CACHE.get("matcher")
    if cached and cached[0] == fingerprint:
        return cached[1]
    matcher = claims.Matcher(
        terms=[
            claims.Term(text, category, key=pk)
            for pk, text, category in ClaimTerm.objects.filter(active=True).values_list(
                "pk", "text", "category"
            )
        ],
        phrases=[
            claims.Phrase(text, kind)
            for text, kind in ClaimPhrase.objects.filter(active=True).values_list("text", "kind")
        ],
    )
    _MATCHER_CACHE["matcher"] = (fingerprint, matcher)
    return matcher


# --- feedback before saving --------------------------------------------------------------
@dataclass(frozen=True)
class Feedback:
    field: str
    term: str
    category: str
    category_label: str
    start: int
    end: int
    matched: str
    excerpt: str
    explanation: str
    exemption: str
    exemption_note: str

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def explain(hit: claims.Hit, explanations: dict | None = None) -> tuple[str, str]:
    """(why it may breach art. 9(3), why it may be exempt) in the active language."""
    explanation = (explanations or {}).get(hit.term.key) or CATEGORY_EXPLANATIONS[hit.category]
    exemption_note = ""
    if hit.exemption:
        exemption_note = EXEMPTION_EXPLANATIONS[hit.exemption] % {"detail": hit.exemption_detail}
    return str(explanation), str(exemption_note)


def check_text(*, title: str = "", description: str = "") -> list[Feedback]:
    """What the scanner would flag in these texts, explained; writes nothing."""
    matcher = current_matcher()
    hits = claims.scan_fields([("title", title), ("description", description)], matcher)
    english = (get_language() or "").startswith("en")
    explanations = {
        pk: (en if english else zh) or en or zh
        for pk, zh, en in ClaimTerm.objects.filter(
            pk__in={h.term.key for _f, h in hits}
        ).values_list("pk", "explanation_zh", "explanation_en")
    }
    labels = dict(ClaimCategory.choices)
    result = []
    for name, hit in hits:
        explanation, exemption_note = explain(hit, explanations)
        result.append(
            Feedback(
                field=name,
                term=hit.term.text,
                category=hit.category,
                category_label=str(labels.get(hit.category, hit.category)),
                start=hit.start,
                end=hit.end,
                matched=hit.matched,
                excerpt=hit.excerpt,
                explanation=explanation,
                exemption=hit.exemption,
                exemption_note=exemption_note,
            )
        )
    return result


# --- writing flags -----------------------------------------------------------------------
# Serialises rescan batches (exclusive) against scans after an edit (shared), so a batch
# that read a product's old text never writes over the flags of the edit that replaced it.
RESCAN_LOCK = "products.claims.rescan"
HIT_COLUMNS = (
    "term_id",
    "term_text",
    "category",
    "start",
    "end",
    "matched",
    "excerpt",
    "exemption_hint",
    "exemption_detail",
)

_UPSERT = """
    INSERT INTO products_claimflag
        (product_id, field, context_key, term_id, term_text, category, start, "end", matched,
         excerpt, exemption_hint, exemption_detail, status, reason, created_at, updated_at)
    SELECT t.*, 'open', '', %(now)s, %(now)s
    FROM unnest(%(product_id)s::bigint[], %(field)s::text[], %(context_key)s::text[],
                %(term_id)s::bigint[], %(term_text)s::text[], %(category)s::text[],
                %(start)s::int[], %(end)s::int[], %(matched)s::text[], %(excerpt)s::text[],
                %(exemption_hint)s::text[], %(exemption_detail)s::text[]) AS t
    ON CONFLICT (product_id, field, context_key) DO UPDATE SET
        term_id = EXCLUDED.term_id,
        term_text = EXCLUDED.term_text,
        category = EXCLUDED.category,
        start = EXCLUDED.start,
        "end" = EXCLUDED."end",
        matched = EXCLUDED.matched,
        excerpt = EXCLUDED.excerpt,
        exemption_hint = EXCLUDED.exemption_hint,
        exemption_detail = EXCLUDED.exemption_detail,
        -- a hit that comes back after it stopped matching is open again; decisions stay
        status = CASE WHEN products_claimflag.status = 'obsolete' THEN 'open'
                      ELSE products_claimflag.status END,
        decided_by_id = CASE WHEN products_claimflag.status = 'obsolete' THEN NULL
                             ELSE products_claimflag.decided_by_id END,
        decided_at = CASE WHEN products_claimflag.status = 'obsolete' THEN NULL
                          ELSE products_claimflag.decided_at END,
        updated_at = %(now)s
    RETURNING (xmax = 0) AS inserted
"""

_CLOSE = """
    UPDATE products_claimflag SET status = 'obsolete', updated_at = %(now)s
    WHERE id = ANY(%(ids)s) AND status = 'open'
"""


@dataclass
class ScanResult:
    seen: int = 0
    new: int = 0
    changed: int = 0
    closed: int = 0


def _hits(rows, matcher: claims.Matcher) -> dict[tuple, tuple]:
    """{(product_id, field, context_key): values in HIT_COLUMNS order}."""
    found = {}
    for product_id, *texts in rows:
        for name, text in zip(SCANNED_FIELDS, texts, strict=True):
            for hit in matcher.scan(text or ""):
                # setdefault: the same phrase twice in one field is one flag
                found.setdefault(
                    (product_id, name, hit.context_key),
                    (
                        hit.term.key,
                        hit.term.text,
                        hit.category,
                        hit.start,
                        hit.end,
                        hit.matched[:200],
                        hit.excerpt[:400],
                        hit.exemption,
                        hit.exemption_detail[:200],
                    ),
                )
    return found


def scan_batch(
    product_ids: list[int],
    *,
    matcher: claims.Matcher | None = None,
    rows=None,
    now: datetime | None = None,
) -> ScanResult:
    """Scan these products and bring their flags in line.

    One read of the texts, one of the existing flags; then only what differs is written
    (one upsert, one close), so scanning unchanged products again writes nothing. Flags
    are stamped with the application's clock (`now`), never the database's.
    """
    now = now or timezone.now()
    matcher = matcher or current_matcher()
    if rows is None:
        rows = Product.objects.filter(pk__in=product_ids).values_list("pk", *SCANNED_FIELDS)
    hits = _hits(rows, matcher)
    existing = {
        (product_id, field, key): (pk, status, tuple(values))
        for pk, product_id, field, key, status, *values in ClaimFlag.objects.filter(
            product_id__in=product_ids
        ).values_list("pk", "product_id", "field", "context_key", "status", *HIT_COLUMNS)
    }
    writes = [
        (key, values)
        for key, values in hits.items()
        if key not in existing
        or existing[key][1] == ClaimFlag.Status.OBSOLETE
        or existing[key][2] != values
    ]
    close = [
        pk
        for key, (pk, status, _values) in existing.items()
        if key not in hits and status == ClaimFlag.Status.OPEN
    ]
    result = ScanResult(seen=len(hits))
    with connection.cursor() as cursor:
        if writes:
            columns = {
                name: [key[i] for key, _v in writes]
                for i, name in enumerate(("product_id", "field", "context_key"))
            }
            columns.update(
                {name: [values[i] for _k, values in writes] for i, name in enumerate(HIT_COLUMNS)}
            )
            cursor.execute(_UPSERT, {**columns, "now": now})
            inserted = sum(1 for (was_inserted,) in cursor.fetchall() if was_inserted)
            result.new, result.changed = inserted, len(writes) - inserted
        if close:
            cursor.execute(_CLOSE, {"ids": close, "now": now})
            result.closed = cursor.rowcount
    return result


def scan_product(product: Product) -> ScanResult:
    """Called by the listing services, in their transaction, after a create or text change."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock_shared(hashtextextended(%s, 0))", [RESCAN_LOCK]
        )
    return scan_batch([product.pk])


# --- bulk rescan -------------------------------------------------------------------------
@transaction.atomic
def request_rescan(*, by=None, reason_code: str = "", reason_params: dict | None = None) -> ScanRun:
    """Queue a rescan of every product; a run still going is superseded by this one. Its
    reason is a code of products.reason_texts and its parameters (words in each reader's
    language)."""
    advisory_xact_lock(RESCAN_LOCK)
    ScanRun.objects.filter(status__in=[ScanRun.Status.QUEUED, ScanRun.Status.RUNNING]).update(
        status=ScanRun.Status.SUPERSEDED, finished_at=timezone.now()
    )
    run = ScanRun.objects.create(
        requested_by=by if getattr(by, "is_authenticated", False) else None,
        reason_code=reason_code,
        reason_params=reason_params or {},
        total=Product.objects.count(),
    )
    from products.tasks import rescan_claims

    transaction.on_commit(lambda: rescan_claims.delay(run.pk))
    return run


def run_rescan(run_id: int, *, batch: int = BATCH) -> ScanRun:
    """Work through a run batch by batch, each in its own transaction so progress shows.

    Safe to call again for the same run (a redelivered task): it resumes after the last
    finished batch, and re-scanning a product only refreshes its flags.
    """
    with transaction.atomic():
        run = ScanRun.objects.select_for_update().get(pk=run_id)
        if run.status not in (ScanRun.Status.QUEUED, ScanRun.Status.RUNNING):
            return run
        run.status = ScanRun.Status.RUNNING
        run.started_at = run.started_at or timezone.now()
        run.save(update_fields=["status", "started_at"])
    try:
        return _rescan_batches(run_id, batch)
    except Exception as exc:
        ScanRun.objects.filter(pk=run_id, status=ScanRun.Status.RUNNING).update(
            status=ScanRun.Status.FAILED, finished_at=timezone.now(), error=repr(exc)[:2000]
        )
        raise


def _rescan_batches(run_id: int, batch: int) -> ScanRun:
    matcher = current_matcher()
    while True:
        with transaction.atomic():
            # Batches of concurrent runs never interleave; a superseded run stops here.
            advisory_xact_lock(RESCAN_LOCK)
            run = ScanRun.objects.select_for_update().get(pk=run_id)
            if run.status != ScanRun.Status.RUNNING:
                return run
            rows = list(
                Product.objects.filter(pk__gt=run.cursor)
                .order_by("pk")
                .values_list("pk", *SCANNED_FIELDS)[:batch]
            )
            ids = [row[0] for row in rows]
            if not ids:
                run.status = ScanRun.Status.DONE
                run.finished_at = timezone.now()
                run.total = max(run.total, run.processed)
                run.save(update_fields=["status", "finished_at", "total"])
                return run
            result = scan_batch(ids, matcher=matcher, rows=rows)
            ScanRun.objects.filter(pk=run.pk).update(
                cursor=ids[-1],
                processed=run.processed + len(ids),
                flags_seen=run.flags_seen + result.seen,
                flags_new=run.flags_new + result.new,
                flags_closed=run.flags_closed + result.closed,
            )


# --- review decisions --------------------------------------------------------------------
def _open_flags(flag_ids) -> list[ClaimFlag]:
    flags = list(
        ClaimFlag.objects.select_for_update()
        .filter(pk__in=flag_ids)
        .select_related("product")
        .order_by("pk")
    )
    if len(flags) != len(set(flag_ids)):
        raise DomainError(_("Some of these flags no longer exist."))
    decided = [f for f in flags if f.status != ClaimFlag.Status.OPEN]
    if decided:
        raise DomainError(
            _("Only open flags can be decided; %(n)d of these are not open.") % {"n": len(decided)}
        )
    return flags


def _decide(flags, *, status, by, reason):
    now = timezone.now()
    ClaimFlag.objects.filter(pk__in=[f.pk for f in flags]).update(
        status=status, decided_by=by, decided_at=now, reason=reason, updated_at=now
    )
    for flag in flags:
        record_decision(
            flag,
            action=status,
            from_state=ClaimFlag.Status.OPEN,
            to_state=status,
            actor=by,
            reason=reason,
        )


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError({"reason": _("Give the reason for this decision.")})
    return reason


@transaction.atomic
def clear_flags(*, flag_ids, by, reason: str) -> int:
    """The claims are lawful (or not claims): close the flags, the listing stays."""
    reason = _require_reason(reason)
    flags = _open_flags(flag_ids)
    _decide(flags, status=ClaimFlag.Status.CLEARED, by=by, reason=reason)
    return len(flags)


@transaction.atomic
def restrict_for_claims(*, flag_ids, by, reason: str) -> list[Product]:
    """The claims breach art. 9(3): restrict each product's listing, close its flags and
    record the merchant's violation (one per product and decision, its first flag as the
    evidence)."""
    from merchants.services import record_violation
    from products.services.listings import restrict_listing

    reason = _require_reason(reason)
    flags = _open_flags(flag_ids)
    _decide(flags, status=ClaimFlag.Status.ACTIONED, by=by, reason=reason)
    products = {}
    for flag in flags:
        products.setdefault(flag.product_id, (flag.product, []))[1].append(flag)
    restricted = []
    for product, product_flags in products.values():
        evidence = "; ".join(f"{f.get_field_display()}: {f.matched}" for f in product_flags)
        if product.status == Product.Status.LISTED:
            restrict_listing(
                product=product,
                by=by,
                reason=reason,
                evidence=evidence[:200],
                cause=Product.Cause.AD_CLAIM,
            )
            restricted.append(product)
        record_violation(
            merchant=product.merchant,
            rule_code="false_advertising_substantiated",
            evidence=product_flags[0],
            recorded_by=by,
            note=evidence,
        )
    return restricted


# --- maintaining the list ----------------------------------------------------------------
def _check_list_text(text: str) -> str:
    try:
        return claims.validate_phrase(text or "")
    except ValueError as exc:
        raise DomainError({"text": _("Enter the words to match.")}) from exc


@transaction.atomic
def save_claim_term(*, term: ClaimTerm, by=None) -> ClaimTerm:
    """Add or change a term; every product is scanned again against the new list."""
    term.text = _check_list_text(term.text)
    if ClaimTerm.objects.filter(text__iexact=term.text).exclude(pk=term.pk).exists():
        raise DomainError({"text": _("This term is already on the list.")})
    term.save()
    request_rescan(by=by, reason_code=reason_texts.TERM_CHANGED, reason_params={"term": term.text})
    return term


@transaction.atomic
def save_claim_phrase(*, phrase: ClaimPhrase, by=None) -> ClaimPhrase:
    phrase.text = _check_list_text(phrase.text)
    if (
        ClaimPhrase.objects.filter(text__iexact=phrase.text, kind=phrase.kind)
        .exclude(pk=phrase.pk)
        .exists()
    ):
        raise DomainError({"text": _("This phrase is already on the list.")})
    phrase.save()
    request_rescan(
        by=by, reason_code=reason_texts.PHRASE_CHANGED, reason_params={"phrase": phrase.text}
    )
    return phrase


@transaction.atomic
def set_list_entries_active(*, queryset, active: bool, by=None) -> int:
    """Switch terms or phrases on or off together, then one rescan."""
    count = queryset.update(active=active, updated_at=timezone.now())
    if count:
        request_rescan(
            by=by, reason_code=reason_texts.LIST_ENTRIES_SWITCHED, reason_params={"n": count}
        )
    return count
