"""Merchant portal pages for onboarding, and Merchant Management's review queue.

Views are thin: they read through scoped selectors, call services, and show the service's
translated error next to the form when a rule says no.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from core.alerts import inbox_for
from core.audit import decisions_for
from core.web import add_service_errors, safe_next
from merchants import services
from merchants.forms.onboarding import (
    AccountSignUpForm,
    AgreementForm,
    CategoryRequestForm,
    DetailsForm,
    DocumentForm,
    DocumentReviewForm,
    SignUpForm,
    TeamMemberForm,
    TransitionForm,
)
from merchants.models import (
    Application,
    CategoryRequest,
    Document,
    TeamInvitation,
    TrainingSession,
)
from merchants.portal import is_portal_user
from merchants.selectors import active_restrictions, merchant_of
from merchants.services.training import register_for_session


def portal_page(view):
    """Signed-in non-staff users; request.merchant is their merchant or None."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_portal_user(request.user):
            raise PermissionDenied
        request.merchant = merchant_of(request.user)
        return view(request, *args, **kwargs)

    return wrapped


def member_page(view):
    """Portal pages that need a merchant: people without one are sent to apply."""

    @portal_page
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.merchant is None:
            return redirect("merchants:portal-apply")
        return view(request, *args, **kwargs)

    return wrapped


def staff_page(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not services.is_merchant_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@ratelimit(key="ip", rate="10/h", method="POST", block=True)
def portal_signup(request):
    """Public: create an account and register a merchant at once."""
    if request.user.is_authenticated:
        return redirect("merchants:portal-apply")
    form = AccountSignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("password2")
        try:
            merchant = services.sign_up(password=data.pop("password1"), **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            login(request, merchant.memberships.get().user, backend=MODEL_BACKEND)
            messages.success(request, _("Your merchant is registered. Now add your documents."))
            return redirect("merchants:portal-documents")
    return render(request, "merchants/portal/signup.html", {"form": form, "public": True})


# --- portal ---------------------------------------------------------------------------------
def portal_home(request):
    if not request.user.is_authenticated:
        return render(request, "merchants/portal/welcome.html")
    return _portal_home(request)


@portal_page
def _portal_home(request):
    merchant = request.merchant
    if merchant is None:
        return render(request, "merchants/portal/welcome.html")
    now = timezone.now()
    context = {
        "merchant": merchant,
        "application": merchant.applications.first(),
        "requirements": services.requirements_for(merchant, at=now),
        "restrictions": active_restrictions(at=now)
        .filter(merchant=merchant)
        .select_related("category"),
        "probation": services.open_probation(merchant),
        "alerts": inbox_for(request.user)[:5],
    }
    return render(request, "merchants/portal/home.html", context)


@portal_page
def portal_apply(request):
    merchant = request.merchant
    if merchant is None:
        form = SignUpForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.register_merchant(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Your merchant is registered. Now add your documents."))
                return redirect("merchants:portal-documents")
        return render(request, "merchants/portal/signup.html", {"form": form})
    application = merchant.applications.first()
    editable = application is not None and application.is_editable_by_merchant
    initial = {
        "legal_name": merchant.legal_name,
        "contact_name": merchant.contact_name,
        "contact_email": merchant.contact_email,
        "contact_phone": merchant.contact_phone,
        "categories": list(merchant.categories.all()),
    }
    form = DetailsForm(request.POST or None, initial=initial) if editable else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.update_merchant_details(
                merchant=merchant, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your details are saved."))
            return redirect("merchants:portal-apply")
    context = {
        "merchant": merchant,
        "application": application,
        "form": form,
        "missing": services.missing_for_submission(merchant) if editable else [],
        "history": decisions_for(application) if application else [],
    }
    return render(request, "merchants/portal/apply.html", context)


@require_POST
@member_page
def portal_submit(request):
    application = services.open_application(request.merchant)
    if application is None:
        messages.error(request, _("There is no open application to submit."))
        return redirect("merchants:portal-apply")
    try:
        services.submit_application(application=application, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Your application is submitted. We will review it soon."))
    return redirect("merchants:portal-apply")


@require_POST
@member_page
def portal_new_application(request):
    try:
        services.start_application(merchant=request.merchant, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("merchants:portal-apply")


@member_page
def portal_documents(request):
    merchant = request.merchant
    # A requirement's "Upload" link names the document it asks for (?type=…&category=…).
    initial = {"document_type": request.GET.get("type"), "category": request.GET.get("category")}
    form = DocumentForm(
        request.POST or None, request.FILES or None, merchant=merchant, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.upload_document(merchant=merchant, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The document is uploaded and waits for review."))
            return redirect("merchants:portal-documents")
    documents = merchant.documents.select_related("category", "file").order_by(
        "document_type", "category_id", "-created_at"
    )
    context = {"merchant": merchant, "form": form, "documents": documents}
    return render(request, "merchants/portal/documents.html", context, status=200)


@member_page
def portal_categories(request):
    """The categories the merchant sells in, its requests, and a request form (live
    merchants) that carries the category's test report."""
    merchant = request.merchant
    form = CategoryRequestForm(request.POST or None, request.FILES or None, merchant=merchant)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_category(merchant=merchant, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Your request is sent; selling in the category starts when its test "
                    "report is approved."
                ),
            )
            return redirect("merchants:portal-categories")
    selling = set(services.selling_categories(merchant).values_list("pk", flat=True))
    context = {
        "merchant": merchant,
        "form": form,
        "categories": [
            {"category": c, "cleared": c.pk in selling}
            for c in merchant.categories.order_by("code")
        ],
        "requests": services.category_requests_of(merchant),
    }
    return render(request, "merchants/portal/categories.html", context)


@member_page
def portal_requirements(request):
    merchant = request.merchant
    context = {"merchant": merchant, "requirements": services.requirements_for(merchant)}
    return render(request, "merchants/portal/requirements.html", context)


@member_page
def portal_agreement(request):
    merchant = request.merchant
    version = services.current_agreement()
    accepted = (
        merchant.agreement_acceptances.filter(version=version).select_related("user").first()
        if version
        else None
    )
    form = AgreementForm(request.POST or None)
    if request.method == "POST" and version is not None and form.is_valid():
        try:
            services.accept_agreement(
                merchant=merchant,
                actor=request.user,
                version=version,
                ip_address=client_ip(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Thank you: the agreement is accepted."))
            return redirect("merchants:portal-agreement")
    context = {
        "merchant": merchant,
        "version": version,
        "accepted": accepted,
        "form": form,
        "history": merchant.agreement_acceptances.select_related("version", "user"),
    }
    return render(request, "merchants/portal/agreement.html", context)


@member_page
def portal_training(request):
    merchant = request.merchant
    if request.method == "POST":
        session = get_object_or_404(TrainingSession, pk=request.POST.get("session"))
        try:
            register_for_session(session=session, actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, _("You are registered for %(session)s.") % {"session": session}
            )
        return redirect("merchants:portal-training")
    attended = {a.session_id: a for a in merchant.training_attendances.all()}
    sessions = TrainingSession.objects.filter(
        starts_at__gte=timezone.now() - timezone.timedelta(days=1), for_staff=False
    ) | TrainingSession.objects.filter(pk__in=attended)
    rows = [(s, attended.get(s.pk)) for s in sessions.distinct().order_by("starts_at")]
    context = {
        "merchant": merchant,
        "rows": rows,
        "completed": services.training_completed(merchant),
    }
    return render(request, "merchants/portal/training.html", context)


@member_page
def portal_team(request):
    """The merchant's people; an owner invites staff by user name or e-mail.

    The answer to an invitation is the same whatever account the text names (or none), and
    the invitee joins only by accepting it while logged in."""
    merchant = request.merchant
    is_owner = request.user.membership.role == "owner"
    form = TeamMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_team_member(
                merchant=merchant, actor=request.user, identifier=form.cleaned_data["identifier"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Invitation recorded. If the account can join a merchant, its holder "
                    "finds the invitation after logging in and can accept it."
                ),
            )
            return redirect("merchants:portal-team")
    context = {
        "merchant": merchant,
        "members": merchant.memberships.select_related("user").order_by("role", "created_at"),
        "invitations": merchant.invitations.filter(
            status=TeamInvitation.Status.PENDING, expires_at__gt=timezone.now()
        ).order_by("-created_at")[:50]
        if is_owner
        else [],
        "form": form,
        "is_owner": is_owner,
    }
    return render(request, "merchants/portal/team.html", context)


@portal_page
def portal_invitations(request):
    """Invitations to join a merchant's team, for the logged-in account to accept."""
    return render(
        request,
        "merchants/portal/invitations.html",
        {"merchant": request.merchant, "invitations": services.open_invitations_for(request.user)},
    )


@require_POST
@portal_page
def portal_invitation_decide(request, pk):
    invitation = get_object_or_404(TeamInvitation, pk=pk, invitee=request.user)
    accept = request.POST.get("decision") == "accept"
    try:
        services.decide_invitation(invitation=invitation, user=request.user, accept=accept)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("merchants:portal-invitations")
    if accept:
        messages.success(
            request,
            _("You joined %(merchant)s.") % {"merchant": invitation.merchant},
        )
        return redirect("merchants:portal-home")
    messages.success(request, _("Invitation declined."))
    return redirect("merchants:portal-invitations")


# --- staff ----------------------------------------------------------------------------------
def _queue():
    documents = Document.objects.select_related("category", "file").order_by(
        "document_type", "-created_at"
    )
    return (
        Application.objects.filter(
            status__in=[Application.Status.SUBMITTED, Application.Status.UNDER_REVIEW]
        )
        .select_related("merchant")
        .prefetch_related(
            Prefetch(
                "merchant__documents",
                queryset=documents.exclude(status=Document.Status.SUPERSEDED),
            )
        )
        .order_by("submitted_at", "pk")
    )


@staff_page
def review_queue(request):
    return render(
        request,
        "merchants/staff/review_queue.html",
        {
            "applications": _queue()[:100],
            "review_form": DocumentReviewForm(),
            "category_requests": CategoryRequest.objects.filter(
                status=CategoryRequest.Status.REQUESTED
            )
            .select_related("merchant", "category", "test_report")
            .order_by("created_at", "pk")[:100],
        },
    )


@staff_page
def application_detail(request, pk):
    application = get_object_or_404(Application.objects.select_related("merchant"), pk=pk)
    merchant = application.merchant
    context = {
        "application": application,
        "merchant": merchant,
        "documents": merchant.documents.select_related("category", "file", "reviewed_by"),
        "requirements": services.requirements_for(merchant),
        "review_form": DocumentReviewForm(),
        "transition_form": TransitionForm(),
        "history": decisions_for(application),
        "allowed": services.APPLICATION_FLOW.allowed(application.status),
    }
    return render(request, "merchants/staff/application.html", context)


@require_POST
@staff_page
def review_document(request, pk):
    document = get_object_or_404(Document, pk=pk)
    form = DocumentReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_document(document=document, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Review saved: %(document)s.") % {"document": document})
    else:
        messages.error(request, _("Please choose a verdict."))
    return redirect(safe_next(request, "merchants:review-queue"))


@require_POST
@staff_page
def transition_application(request, pk):
    application = get_object_or_404(Application, pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose a decision."))
        return redirect("merchants:staff-application", pk=pk)
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    calls = {
        "start_review": lambda: services.start_review(application=application, actor=request.user),
        "request_changes": lambda: services.request_changes(
            application=application, actor=request.user, reason=reason
        ),
        "approve": lambda: services.approve_application(
            application=application, actor=request.user, reason=reason
        ),
        "reject": lambda: services.reject_application(
            application=application, actor=request.user, reason=reason
        ),
    }
    try:
        calls[action]()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("merchants:staff-application", pk=pk)
