"""Consumer Service intake: record a complaint or a report from a phone call or an email,
and triage the emails the mailbox ingestion could not match to a purchase."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints import services
from complaints.forms.public import (
    DismissMailForm,
    IntakeComplaintForm,
    IntakeReportForm,
    MailCaseForm,
)
from complaints.models import Case, InboundMail
from core.exceptions import DomainError
from core.roles import Role, has_role
from core.web import add_service_errors, allowed_if


def is_intake_staff(user) -> bool:
    return has_role(user, Role.CONSUMER_SERVICE)


intake_required = allowed_if(is_intake_staff)


def _recorded(request, case: Case):
    """Tell the agent the reference and, once, the consumer's tracking link (to read out
    on the phone when the consumer has no email)."""
    link = request.build_absolute_uri(reverse("complaints:case", args=[case.tracking_token]))
    messages.success(
        request,
        _("Case %(reference)s is recorded. The consumer's tracking link (shown only now): %(link)s")
        % {"reference": case.reference, "link": link},
    )
    if case.consumer_email:
        messages.info(request, _("The link has also been emailed to the consumer."))
    return redirect("complaints:intake")


@intake_required
def home(request):
    waiting = InboundMail.objects.filter(status=InboundMail.Status.NEEDS_TRIAGE).prefetch_related(
        "attachments"
    )
    page = Paginator(waiting.order_by("received_at", "id"), 25).get_page(request.GET.get("page"))
    recent = InboundMail.objects.exclude(status=InboundMail.Status.NEEDS_TRIAGE).select_related(
        "case"
    )[:10]
    return render(
        request,
        "complaints/intake/home.html",
        {"page": page, "recent": recent, "dismiss_form": DismissMailForm()},
    )


def _record(request, form_class, template):
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and "check" not in request.POST and form.is_valid():
        try:
            case = services.file_case(by=request.user, **form.case_fields())
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            return _recorded(request, case)
    elif request.method == "POST":
        form.is_valid()
    context = {"form": form}
    if form.kind == "complaint":
        context["remedies"] = form.remedy_options() if form.is_bound else None
    return render(request, template, context)


@intake_required
def record_complaint(request):
    return _record(request, IntakeComplaintForm, "complaints/intake/record_complaint.html")


@intake_required
def record_report(request):
    return _record(request, IntakeReportForm, "complaints/intake/record_report.html")


def _initial_from(mail: InboundMail) -> dict:
    return {
        "consumer_name": mail.from_name or mail.from_address,
        "consumer_email": mail.from_address,
        "order_number": mail.order_number,
        "description": "\n\n".join(p for p in (mail.subject, mail.body) if p),
        "complaint_type": Case.ComplaintType.OTHER,
    }


@intake_required
def mail_case(request, pk):
    mail = get_object_or_404(InboundMail.objects.prefetch_related("attachments"), pk=pk)
    if mail.status != InboundMail.Status.NEEDS_TRIAGE:
        messages.info(request, _("This email has already been handled."))
        return redirect("complaints:intake")
    form = MailCaseForm(request.POST or None, initial=_initial_from(mail))
    if request.method == "POST" and "check" not in request.POST and form.is_valid():
        try:
            case = services.open_case_from_mail(mail=mail, by=request.user, **form.case_fields())
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            return _recorded(request, case)
    elif request.method == "POST":
        form.is_valid()
    return render(
        request,
        "complaints/intake/mail_case.html",
        {
            "mail": mail,
            "form": form,
            "remedies": form.remedy_options() if form.is_bound else None,
        },
    )


@intake_required
@require_POST
def mail_dismiss(request, pk):
    mail = get_object_or_404(InboundMail, pk=pk)
    form = DismissMailForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why this email needs no case."))
    else:
        try:
            services.dismiss_mail(mail=mail, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The email is dismissed."))
    return redirect("complaints:intake")
