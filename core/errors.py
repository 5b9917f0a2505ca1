"""Error pages that say what happened in the user's language and nothing about internals.

API paths get JSON; everything else gets the site's templates.
"""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def _respond(request, status, message):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "error.html", {"status": status, "message": message}, status=status)


def bad_request(request, exception=None):
    return _respond(request, 400, _("The request could not be understood."))


def permission_denied(request, exception=None):
    return _respond(request, 403, _("You do not have access to this page."))


def page_not_found(request, exception=None):
    return _respond(request, 404, _("This page does not exist, or the link is no longer valid."))


def server_error(request):
    return _respond(request, 500, _("Something went wrong on our side. Please try again later."))
