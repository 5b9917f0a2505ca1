import asyncio
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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
    page.object_list = list(page.object_list)
    # What the rows' reasons name (a listing's categories), read once for the page.
    with alerts.alerts_read(page):
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
    """/health/: database, Redis and a Celery worker; 503 when any is down.

    Anonymous callers get a bare status (`{"status": "ok"}` or 503 `unavailable`), computed
    at most once per HEALTH_CACHE_SECONDS per process, so the endpoint is cheap to hammer and
    names no component. Staff, or a caller sending `X-Health-Token: <HEALTH_TOKEN>`, get
    every check's result, computed fresh."""

    checks = (
        "health_check.checks.Database",
        "health_check.checks.Cache",
        ("health_check.contrib.celery.Ping", {}),
    )
    _cache: dict = {}
    # What each check is called on the staff page (the library shows its class repr).
    LABELS = {
        "Database": gettext_lazy("PostgreSQL database"),
        "Cache": gettext_lazy("Redis cache"),
        "Ping": gettext_lazy("Celery worker"),
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [
            {
                "label": self.LABELS.get(type(result.check).__name__, type(result.check).__name__),
                "error": result.error,
                "milliseconds": round(result.time_taken * 1000),
            }
            for result in self.results
        ]
        return context

    def detailed(self, request) -> bool:
        token = settings.HEALTH_TOKEN
        if token and constant_time_compare(request.headers.get("X-Health-Token", ""), token):
            return True
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated and user.is_staff)

    async def get(self, request, *args, **kwargs):
        detailed = await sync_to_async(self.detailed)(request)
        if not detailed:
            return await self.bare()
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503
        return response

    async def bare(self):
        key = type(self).__name__
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is None or now - cached[0] > settings.HEALTH_CACHE_SECONDS:
            with self.get_executor() as executor:
                results = await asyncio.gather(
                    *(check.get_result(executor) for check in self.get_checks())
                )
            cached = (now, not any(result.error for result in results))
            self._cache[key] = cached
        healthy = cached[1]
        return JsonResponse(
            {"status": "ok" if healthy else "unavailable"}, status=200 if healthy else 503
        )


class ReadinessView(HealthView):
    """/health/ready/: may this instance take traffic (database and Redis answer)? Bare
    status for everyone (details as /health/ for staff or the token); no Celery ping."""

    checks = ("health_check.checks.Database", "health_check.checks.Cache")


def liveness(request):
    """/health/live/: the process answers; touches nothing else (restart it if not)."""
    return JsonResponse({"status": "ok"})
