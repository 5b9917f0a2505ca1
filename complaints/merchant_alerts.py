"""The merchant is told when its answer is wanted: when Consumer Service puts a question to
it, at 75 % of its answer window and at breach (the sweep), in the inbox and by e-mail
(core.alerts delivers after commit), to the owners and the staff members with the
`handles_cases` right (merchants.selectors.CASE_HANDLERS_SQL). The portal overview shows the
cases waiting for the merchant's answer with live clocks."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.alerts import AlertSpec, raise_alerts, register_kind

QUESTION = "merchant_question"
AT_RISK = "merchant_answer_at_risk"
BREACHED = "merchant_answer_breached"


def register() -> None:
    register_kind(
        QUESTION,
        _("Question to your shop"),
        _("%(case)s: Consumer Service asks your shop a question; answer by %(due)s"),
    )
    register_kind(
        AT_RISK,
        _("Answer deadline near"),
        _("%(case)s: your answer is due at %(due)s"),
    )
    register_kind(
        BREACHED,
        _("Answer deadline missed"),
        _("%(case)s: your answer was due at %(due)s; the late answer counts against the shop"),
    )


def portal_url_prefix() -> str:
    return reverse("complaints:portal-case", args=[0]).removesuffix("0/")


def alert_question(case) -> list[int]:
    """One alert per handler of the case's merchant, keyed by the request number."""
    from django.utils.timezone import localtime

    from merchants.selectors import case_handlers

    due = localtime(case.merchant_answer_due_at).strftime("%Y-%m-%d %H:%M")
    url = reverse("complaints:portal-case", args=[case.pk])
    return raise_alerts(
        [
            AlertSpec(
                kind=QUESTION,
                key=f"{QUESTION}:case:{case.pk}:{case.merchant_request_count}:user:{user_id}",
                user_id=user_id,
                obj=case,
                payload={"case": case.reference, "due": due},
                url=url,
            )
            for user_id in case_handlers(case.merchant_id)
        ]
    )


def merchant_select_sql(*, breached: bool) -> str:
    """The sweep's extra rows for a crossed merchant-answer clock: one alert per handler
    (reads `crossed` of complaints.sweep; same statement, so the sweep stays constant)."""
    from merchants.selectors import CASE_HANDLERS_SQL

    kind = BREACHED if breached else AT_RISK
    handlers = CASE_HANDLERS_SQL.format(merchant="mc.merchant_id")
    return f"""
        SELECT '{kind}', '{kind}:' || crossed.key || ':user:' || h.user_id,
               h.user_id, NULL::integer, %(content_type)s, crossed.id::text,
               jsonb_build_object(
                   'case', crossed.reference,
                   'due', to_char(crossed.due AT TIME ZONE %(tz)s, 'YYYY-MM-DD HH24:MI')),
               %(portal_prefix)s || crossed.id || '/'
          FROM crossed
          JOIN complaints_case AS mc ON mc.id = crossed.id
          JOIN LATERAL ({handlers}) AS h ON true
    """  # noqa: S608 - identifiers are ours, values go through params


def waiting_panel(request) -> str:
    """The portal overview's "waiting for your answer" block ("" when nothing waits)."""
    from complaints.models import CaseStatus
    from complaints.selectors import cases_for_merchant_user

    cases = list(
        cases_for_merchant_user(request.user)
        .filter(status=CaseStatus.AWAITING_MERCHANT)
        .only("pk", "reference", "merchant_answer_due_at", "merchant_answer_at_risk_at")
        .order_by("merchant_answer_due_at")[:20]
    )
    if not cases:
        return ""
    return render_to_string(
        "complaints/portal/_waiting_for_answer.html", {"cases": cases}, request=request
    )
