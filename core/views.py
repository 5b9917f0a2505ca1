from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from health_check.views import HealthCheckView

from core import alerts
from core.models import Upload
from core.uploads import can_download


def home(request):
    return render(request, "core/home.html")


@login_required
def inbox(request):
    page = Paginator(alerts.inbox_for(request.user).select_related("content_type"), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "core/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_mark_read(request):
    ids = [int(i) for i in request.POST.getlist("alert") if i.isdigit()]
    if request.POST.get("all"):
        ids = list(alerts.inbox_for(request.user).values_list("pk", flat=True))
    count = alerts.mark_read(user=request.user, alert_ids=ids)
    messages.success(request, _("%(n)d alerts marked as read.") % {"n": count})
    return redirect("core:inbox")


def download(request, pk):
    """Serve a stored upload to whoever a registered rule lets read it.

    Unknown and forbidden look the same (404), so the link leaks nothing.
    """
    upload = get_object_or_404(Upload, pk=pk)
    if not can_download(request, upload):
        raise Http404
    inline = upload.content_type.startswith("image/") and request.GET.get("inline") == "1"
    response = FileResponse(
        upload.file.open("rb"),
        as_attachment=not inline,
        filename=upload.original_name,
        content_type=upload.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def ratelimited(request, exception):
    return render(request, "429.html", status=429)


class HealthView(HealthCheckView):
    """/health/: database, Redis and a Celery worker; 503 when any is down."""

    checks = (
        "health_check.checks.Database",
        "health_check.checks.Cache",
        ("health_check.contrib.celery.Ping", {}),
    )

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503
        return response
