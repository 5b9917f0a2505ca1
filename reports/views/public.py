"""The public transparency page (M3.10): published quarterly reports, their platform-level
figures and charts, and their downloads. No merchant scorecards and no personal data.

The page body is rendered once per language and set of published reports and kept in the
cache (a publish replaces the cache version, see services.snapshots); the page around it
(header, language switch with its CSRF token) is rendered per request, so a cache hit
costs no database query and never hands one visitor's token to another.
"""

from django.core.cache import cache
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from complaints.selectors import published_quality_notices
from reports.models.snapshots import QuarterlyReport
from reports.services import render as rendering
from reports.services import snapshots as services
from reports.views.snapshots import download_response, page_figures


def _published():
    return QuarterlyReport.objects.filter(status=QuarterlyReport.Status.PUBLISHED).order_by(
        "-year", "-quarter"
    )


def _page(request, *, key: str, title: str, build):
    body = cache.get(key)
    if body is None:
        body = build()
        if body is None:
            raise Http404
        cache.set(key, body, services.PUBLIC_TTL)
    return render(request, "reports/public/page.html", {"title": title, "body": body})


def public_index(request):
    language = translation.get_language()

    def build():
        reports = list(_published().select_related("snapshot").defer("snapshot__figures"))
        context = {
            "reports": reports,
            "language": language,
            "quality_notices": list(published_quality_notices(limit=20)),
        }
        if reports:
            latest = reports[0]
            latest.snapshot.refresh_from_db(fields=["figures"])
            context.update(
                report=latest, **page_figures(latest.snapshot, audience=rendering.PUBLIC)
            )
        return render_to_string("reports/public/index.html", context)

    return _page(
        request,
        key=services.public_cache_key("index", language),
        title=_("Quality transparency"),
        build=build,
    )


def public_report(request, year, quarter):
    language = translation.get_language()

    def build():
        report = _published().filter(year=year, quarter=quarter).select_related("snapshot").first()
        if report is None:
            return None
        context = {"report": report, "language": language}
        context.update(page_figures(report.snapshot, audience=rendering.PUBLIC))
        return render_to_string("reports/public/report.html", context)

    return _page(
        request,
        key=services.public_cache_key("report", year, quarter, language),
        title=_("Quality report %(year)s Q%(quarter)s") % {"year": year, "quarter": quarter},
        build=build,
    )


def public_download(request, year, quarter, language, file_format):
    report = _published().filter(year=year, quarter=quarter).select_related("snapshot").first()
    if report is None:
        raise Http404
    return download_response(
        report.snapshot, file_format=file_format, language=language, audience=rendering.PUBLIC
    )
