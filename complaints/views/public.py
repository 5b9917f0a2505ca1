"""Consumer pages, no account needed: file a complaint or a false-advertising report, and
follow the case through its unguessable link (reply, rate). Each parses, calls a service
and renders; posts are rate-limited per client address and per consumer contact."""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import get_usage
from django_ratelimit.decorators import ratelimit

from complaints import notifications, services
from complaints.forms.public import ComplaintForm, LookupForm, RatingForm, ReplyForm, ReportForm
from complaints.models import OPEN, CaseMessage, CaseStatus
from core.exceptions import DomainError
from core.web import add_service_errors


def rate_per_ip(group, request):
    return settings.COMPLAINTS_RATE_PER_IP


def rate_per_contact(group, request):
    return settings.COMPLAINTS_RATE_PER_CONTACT


def contact_key(group, request):
    """The consumer's contact as typed (normalised), so one person cannot flood the queue
    from many addresses; posts without one count against the client address."""
    from reviews.identity import normalize

    for name in ("consumer_email", "consumer_phone"):
        value = normalize(request.POST.get(name, ""))[:200]
        if value:
            return f"contact:{value}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


def rate_of_follow_ups_per_ip(group, request):
    return settings.COMPLAINTS_FOLLOWUP_RATE_PER_IP


def rate_of_follow_ups_per_case(group, request):
    return settings.COMPLAINTS_FOLLOWUP_RATE_PER_CASE


def case_key(group, request):
    return "case:" + str((request.resolver_match.kwargs or {}).get("token", ""))[:100]


#: New filings: per client address and per consumer contact.
FILING_LIMITS = (
    ("complaints-ip", "ip", rate_per_ip),
    ("complaints-contact", contact_key, rate_per_contact),
)
#: Replies and ratings on a case that exists: their own, higher limits per address (carrier
#: NAT puts many consumers behind one) and per case, never the new-filing budget.
FOLLOW_UP_LIMITS = (
    ("complaints-followup-ip", "ip", rate_of_follow_ups_per_ip),
    ("complaints-followup-case", case_key, rate_of_follow_ups_per_case),
)


def seconds_until_allowed(request, limits) -> int | None:
    """Count this post against every limit; None when all allow it, else the seconds until
    the last spent one lets posts through again."""
    if request.method != "POST":
        return None
    wait = None
    for group, key, rate in limits:
        usage = get_usage(request, group=group, key=key, rate=rate, method="POST", increment=True)
        if usage and usage["should_limit"]:
            wait = max(wait or 0, max(int(usage["time_left"]), 1))
    return wait


def limited(form, wait: int) -> None:
    """Nothing is sent; the form keeps what was typed and says when to try again."""
    at = timezone.localtime(timezone.now() + timedelta(seconds=wait))
    form.add_error(
        None,
        _(
            "Too many requests from your connection in a short time. Nothing was sent; what "
            "you typed is kept here. Please send it again after %(time)s (in about %(minutes)s "
            "minutes)."
        )
        % {"time": date_format(at, "H:i"), "minutes": max(1, -(-wait // 60))},
    )


def files_dropped(request, form) -> bool:
    """A chosen file is not kept when the page comes back with an error: say so."""
    return bool(request.FILES) and form.is_bound and bool(form.errors)


def _private(response):
    """Case pages carry the token in their address: keep them out of caches and search
    engines. (The site's Referrer-Policy, same-origin, already keeps the address from
    other sites; no-referrer would make browsers send Origin: null and fail CSRF.)"""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _file(request, form_class, template, *, initial=None):
    form = form_class(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST" and (wait := seconds_until_allowed(request, FILING_LIMITS)):
        form.is_valid()
        limited(form, wait)
        status = 429
    elif request.method == "POST" and "check" not in request.POST and form.is_valid():
        try:
            case = services.file_case(channel="web", **form.case_fields())
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Your case %(reference)s is filed. We have sent you the link to this page; "
                    "keep it private: anyone who has it can read the case."
                )
                % {"reference": case.reference},
            )
            return redirect("complaints:case", token=case.tracking_token)
    elif request.method == "POST":
        form.is_valid()  # "check": show the remedy list for what was typed, file nothing
    context = {"form": form, "files_dropped": files_dropped(request, form)}
    if form.kind == "complaint":
        context["remedies"] = form.remedy_options() if form.is_bound else None
    return render(request, template, context, status=status)


def new_complaint(request):
    """The complaint form; `?notice=<token>` (the link in a buyer notice of a quality
    incident) fills it in for that purchase: order number, shop, product, the buyer's own
    address and the complaint type."""
    token = request.GET.get("notice", "") if request.method == "GET" else ""
    if not token:
        return _file(request, ComplaintForm, "complaints/public/new_complaint.html")
    from complaints.services.buyer_notices import remedy_request_initial

    usage = get_usage(request, group="complaints-notice", key="ip", rate="60/m", increment=True)
    initial = None if usage and usage["should_limit"] else remedy_request_initial(token)
    if initial is None:
        messages.warning(
            request,
            _("This link to a remedy request is not valid any more; fill in the form below."),
        )
    else:
        messages.info(
            request,
            _(
                "The form is filled in for the purchase named in our quality notice. Add your "
                "name, say what happened and what you would like, then send it."
            ),
        )
    return _private(
        _file(request, ComplaintForm, "complaints/public/new_complaint.html", initial=initial)
    )


def new_report(request):
    return _file(request, ReportForm, "complaints/public/new_report.html")


@require_GET
@ratelimit(group="complaints-remedies", key="ip", rate="60/m", block=True)
def remedies(request):
    """The remedy list for what the consumer has typed so far (the form's script asks as
    the delivery date, type or product change). The server checks again on filing. Opened
    as a page (a shared or bookmarked address) it is a whole page with a way back."""
    form = ComplaintForm(request.GET)
    form.is_valid()
    fragment = request.headers.get("X-Requested-With") == "fetch"
    template = "_remedies.html" if fragment else "remedies_page.html"
    response = render(request, f"complaints/public/{template}", {"remedies": form.remedy_options()})
    patch_vary_headers(response, ["X-Requested-With"])
    return response


def _case_or_404(token):
    case = services.case_for_token(token)
    if case is None:
        raise Http404
    return case


def token_view(view):
    """Tracking-link pages: rate-limited per address (no token guessing), a bad or
    unknown token is a plain 404, and responses are private."""

    @ratelimit(group="complaints-case", key="ip", rate="120/m", method=["GET", "POST"], block=True)
    @never_cache
    @wraps(view)
    def wrapped(request, token, *args, **kwargs):
        return _private(view(request, _case_or_404(token), token, *args, **kwargs))

    return wrapped


def _case_page(request, case, token, *, reply_form=None, rating_form=None, status=None):
    conversation = (
        case.messages.filter(internal=False)
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    clocks = []
    if case.is_open:
        if case.first_responded_at is None:
            clocks.append((_("First response due"), case.response_due_at))
        clocks.append((_("Decision due"), case.resolution_due_at))
    can_rate = case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and case.satisfaction is None
    return render(
        request,
        "complaints/public/case.html",
        {
            "case": case,
            "token": token,
            "conversation": conversation,
            "clocks": clocks,
            "remedies": case.remedies.order_by("granted_at", "id"),
            "reply_form": reply_form or (ReplyForm() if case.status in OPEN else None),
            "rating_form": rating_form or (RatingForm() if can_rate else None),
            "consumer": CaseMessage.Author.CONSUMER,
            "files_dropped": bool(reply_form and files_dropped(request, reply_form)),
        },
        status=status or (400 if (reply_form or rating_form) else 200),
    )


@require_GET
@token_view
def case(request, case, token):
    return _case_page(request, case, token)


@require_POST
@token_view
def reply(request, case, token):
    form = ReplyForm(request.POST, request.FILES)
    if wait := seconds_until_allowed(request, FOLLOW_UP_LIMITS):
        form.is_valid()
        limited(form, wait)
        return _case_page(request, case, token, reply_form=form, status=429)
    if form.is_valid():
        try:
            services.consumer_reply(
                case=case, text=form.cleaned_data["text"], files=form.uploaded()
            )
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your message is sent."))
            return redirect("complaints:case", token=token)
    return _case_page(request, case, token, reply_form=form)


@require_POST
@token_view
def rate(request, case, token):
    form = RatingForm(request.POST)
    if wait := seconds_until_allowed(request, FOLLOW_UP_LIMITS):
        form.is_valid()
        limited(form, wait)
        return _case_page(request, case, token, rating_form=form, status=429)
    if form.is_valid():
        try:
            services.rate(
                case=case, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
            )
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Thank you for rating how your case was handled."))
            return redirect("complaints:case", token=token)
    return _case_page(request, case, token, rating_form=form)


@require_GET
@token_view
def attachment(request, case, token, upload_id):
    """A file of the conversation the consumer can read; anything else is a 404."""
    upload = (
        CaseMessage.attachments.through.objects.filter(
            casemessage__case=case, casemessage__internal=False, upload_id=upload_id
        )
        .select_related("upload")
        .first()
    )
    if upload is None:
        raise Http404
    upload = upload.upload
    inline = upload.content_type.startswith("image/") and request.GET.get("inline") == "1"
    response = FileResponse(
        upload.file.open("rb"),
        as_attachment=not inline,
        filename=upload.original_name,
        content_type=upload.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the case lookup (a lost tracking link) ------------------------------------------------


def lookup_rate_per_ip(group, request):
    return settings.COMPLAINTS_LOOKUP_RATE_PER_IP


def lookup_rate_per_contact(group, request):
    return settings.COMPLAINTS_LOOKUP_RATE_PER_CONTACT


def lookup_rate_per_reference(group, request):
    return settings.COMPLAINTS_LOOKUP_RATE_PER_REFERENCE


def lookup_contact_key(group, request):
    from reviews.identity import normalize

    return "contact:" + normalize(request.POST.get("contact", ""))[:200]


def lookup_reference_key(group, request):
    return "reference:" + request.POST.get("reference", "").strip().upper()[:32]


@never_cache
@ratelimit(
    group="complaints-lookup-ip", key="ip", rate=lookup_rate_per_ip, method="POST", block=True
)
@ratelimit(
    group="complaints-lookup-contact",
    key=lookup_contact_key,
    rate=lookup_rate_per_contact,
    method="POST",
    block=True,
)
@ratelimit(
    group="complaints-lookup-reference",
    key=lookup_reference_key,
    rate=lookup_rate_per_reference,
    method="POST",
    block=True,
)
def lookup(request):
    """Reference + contact -> a new link sent to that contact. The answer is the same
    whether or not anything matched (and whether the case's link had expired)."""
    form = LookupForm(request.POST or None)
    sent = False
    if request.method == "POST" and form.is_valid():
        services.resend_link(
            reference=form.cleaned_data["reference"], contact=form.cleaned_data["contact"]
        )
        sent = True
        form = LookupForm()
    response = render(request, "complaints/public/lookup.html", {"form": form, "sent": sent})
    response["Cache-Control"] = "private, no-store"
    return response


# --- rating from the decision e-mail ---------------------------------------------------------


@never_cache
@ratelimit(group="complaints-case", key="ip", rate="120/m", method=["GET", "POST"], block=True)
def rate_by_link(request, token):
    """The rating form opened from the decision e-mail's signed link (the tracking token is
    not stored, so that e-mail cannot carry it). Shows the rating form only."""
    case = notifications.case_for_rating_link(
        token, max_age_days=settings.COMPLAINTS_LINK_DAYS_AFTER_CLOSE + 30
    )
    if case is None or services.link_expired(case, timezone.now()):
        raise Http404
    can_rate = case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and case.satisfaction is None
    form = RatingForm(request.POST or None) if can_rate else None
    status = 200
    if request.method == "POST" and form is not None:
        if form.is_valid():
            try:
                services.rate(
                    case=case,
                    rating=form.cleaned_data["rating"],
                    comment=form.cleaned_data["comment"],
                )
            except DomainError as exc:
                add_service_errors(form, exc)
                status = 400
            else:
                messages.success(request, _("Thank you for rating how your case was handled."))
                return redirect("complaints:rate-link", token=token)
        else:
            status = 400
    return _private(
        render(
            request,
            "complaints/public/rate.html",
            {"case": case, "rating_form": form},
            status=status,
        )
    )


@require_GET
def rights_guide(request):
    """The consumer rights guide (domain §17), from the policies in force."""
    from complaints.rights import guide

    return render(request, "complaints/public/rights.html", guide())
