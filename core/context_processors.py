from urllib.parse import urlsplit

from django.utils.http import url_has_allowed_host_and_scheme

from core.alerts import unread_count
from core.navigation import items_for
from core.roles import is_staff_member


def language_next(request) -> str:
    """Where the language switch returns to: this page, or, when this page is the answer to
    a post (a form shown again with errors), the page the form was on, so the switch never
    lands on an address that only accepts posts (405)."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return "/"


def navigation(request):
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": items_for(user), "language_next": language_next(request)}
    return {
        "language_next": language_next(request),
        "nav_items": items_for(user),
        "unread_alerts": unread_count(user),
        "is_staff_member": is_staff_member(user),
    }
