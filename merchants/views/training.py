"""Training pages: a merchant's (or staff member's) assignment with modules, materials, quiz
and certificate; the supervisors' completion page. Views read through scoped selectors and
call merchants.services.training; a refusal is shown as a message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from core.roles import Role, has_role
from merchants.certificate import render_certificate
from merchants.models import TrainingAssignment, TrainingAttendance
from merchants.services import training
from merchants.views.onboarding import member_page


def _flash(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _staff_page(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not has_role(request.user, *Role.values):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


def _own_assignment(request, pk, *, portal: bool) -> TrainingAssignment:
    if portal:
        queryset = training.assignments_for_merchant(request.merchant)
    else:
        queryset = training.assignments_for_user(request.user)
    return get_object_or_404(queryset.select_related("merchant", "user"), pk=pk)


def _names(portal: bool) -> dict:
    prefix = "merchants:portal-training" if portal else "merchants:staff-my-training"
    return {
        "base_template": "merchants/portal/base.html" if portal else "base.html",
        "list_url": prefix,
        "detail_url": f"{prefix}-assignment",
        "quiz_url": f"{prefix}-quiz",
        "certificate_url": f"{prefix}-certificate",
    }


def _assignment(request, pk, *, portal: bool):
    assignment = _own_assignment(request, pk, portal=portal)
    names = _names(portal)
    if request.method == "POST":
        try:
            training.finish_modules(assignment, actor=request.user)
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("Modules marked as done."))
        return redirect(names["detail_url"], pk=assignment.pk)
    context = {
        **names,
        "merchant": getattr(request, "merchant", None),
        "assignment": assignment,
        "programme": assignment.programme,
        "modules": training.modules_of(assignment),
        "attempts": assignment.attempts.all(),
        "attempts_left": training.attempts_left(assignment),
        "steps": assignment.steps.all(),
        "state": assignment.state(timezone.now()),
    }
    context["body"] = "merchants/training/_assignment.html"
    context["page_title"] = assignment.programme.display_title
    return render(
        request, f"merchants/training/frame_{'portal' if portal else 'staff'}.html", context
    )


def _quiz(request, pk, *, portal: bool):
    assignment = _own_assignment(request, pk, portal=portal)
    names = _names(portal)
    if request.method == "POST":
        answers = {
            key.removeprefix("q"): value for key, value in request.POST.items() if key[:1] == "q"
        }
        try:
            attempt = training.submit_quiz(
                assignment, answers=answers, actor=request.user, token=request.POST.get("token")
            )
        except ValidationError as exc:
            _flash(request, exc)
        else:
            if attempt.passed:
                messages.success(
                    request, _("Passed with %(score)s%%. Well done.") % {"score": attempt.score}
                )
            else:
                messages.error(
                    request,
                    _("%(score)s%%: below the pass mark of %(mark)s%%.")
                    % {"score": attempt.score, "mark": assignment.programme.pass_mark},
                )
        return redirect(names["detail_url"], pk=assignment.pk)
    try:
        window = training.start_quiz(assignment, actor=request.user)
    except ValidationError as exc:
        _flash(request, exc)
        return redirect(names["detail_url"], pk=assignment.pk)
    questions = [
        {"id": q.pk, "text": q.text, "choices": list(enumerate(q.choice_list(), start=1))}
        for q in assignment.programme.questions.all()
    ]
    context = {
        **names,
        "merchant": getattr(request, "merchant", None),
        "assignment": assignment,
        "window": window,
        "questions": questions,
        "attempts_left": training.attempts_left(assignment),
    }
    context["body"] = "merchants/training/_quiz.html"
    context["page_title"] = _("Quiz")
    return render(
        request, f"merchants/training/frame_{'portal' if portal else 'staff'}.html", context
    )


def _certificate(request, pk, *, portal: bool):
    assignment = _own_assignment(request, pk, portal=portal)
    if assignment.status != TrainingAssignment.Status.COMPLETED:
        raise Http404
    response = HttpResponse(render_certificate(assignment), content_type="application/pdf")
    name = f"certificate-{assignment.certificate_number or assignment.pk}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@member_page
def portal_assignment(request, pk):
    return _assignment(request, pk, portal=True)


@member_page
def portal_quiz(request, pk):
    return _quiz(request, pk, portal=True)


@member_page
def portal_certificate(request, pk):
    return _certificate(request, pk, portal=True)


@_staff_page
def staff_my_training(request):
    if request.method == "POST":
        session = get_object_or_404(
            training.sessions_visible_to(request.user).filter(for_staff=True),
            pk=request.POST.get("session"),
        )
        try:
            training.register_for_session(session=session, actor=request.user)
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(
                request, _("You are registered for %(session)s.") % {"session": session}
            )
        return redirect("merchants:staff-my-training")
    now = timezone.now()
    registered = set(
        TrainingAttendance.objects.filter(attendee=request.user, merchant__isnull=True).values_list(
            "session_id", flat=True
        )
    )
    context = {
        **_names(False),
        "assignments": training.assignments_for_user(request.user),
        "sessions": training.sessions_visible_to(request.user)
        .filter(for_staff=True, starts_at__gte=now)
        .order_by("starts_at")[:20],
        "registered": registered,
        "now": now,
    }
    return render(request, "merchants/training/mine.html", context)


@_staff_page
def staff_assignment(request, pk):
    return _assignment(request, pk, portal=False)


@_staff_page
def staff_quiz(request, pk):
    return _quiz(request, pk, portal=False)


@_staff_page
def staff_certificate(request, pk):
    return _certificate(request, pk, portal=False)


@login_required
def staff_overview(request):
    """Supervisors: completion per programme and per category, and staff completion."""
    if not training.can_supervise(request.user):
        raise PermissionDenied
    context = {
        "merchant_rows": training.completion_by_programme(staff=False),
        "staff_rows": training.completion_by_programme(staff=True),
        "category_rows": training.completion_by_category(),
        "staff_assignments": training.staff_completion()[:500],
        "now": timezone.now(),
    }
    return render(request, "merchants/training/overview.html", context)


urlpatterns = [
    path("merchant/training/<int:pk>/", portal_assignment, name="portal-training-assignment"),
    path("merchant/training/<int:pk>/quiz/", portal_quiz, name="portal-training-quiz"),
    path(
        "merchant/training/<int:pk>/certificate.pdf",
        portal_certificate,
        name="portal-training-certificate",
    ),
    path("staff/training/", staff_overview, name="staff-training"),
    path("staff/training/mine/", staff_my_training, name="staff-my-training"),
    path("staff/training/mine/<int:pk>/", staff_assignment, name="staff-my-training-assignment"),
    path("staff/training/mine/<int:pk>/quiz/", staff_quiz, name="staff-my-training-quiz"),
    path(
        "staff/training/mine/<int:pk>/certificate.pdf",
        staff_certificate,
        name="staff-my-training-certificate",
    ),
]
