"""The merchant portal's frame: who may use it, its sub-navigation, file access.

Other capabilities add their portal pages with `register_portal_link(label, url_name,
order)`; templates extending `merchants/portal/base.html` show them.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from core.roles import user_roles


@dataclass(frozen=True)
class PortalLink:
    label: str
    url_name: str
    order: int


PORTAL_LINKS: list[PortalLink] = []


def register_portal_link(label, url_name: str, order: int = 100) -> None:
    if all(link.url_name != url_name for link in PORTAL_LINKS):
        PORTAL_LINKS.append(PortalLink(label, url_name, order))


# Blocks that higher apps put at the top of the portal overview (e.g. complaints' "waiting
# for your answer"): fn(request) -> HTML ("" to show nothing), in `order`.
OVERVIEW_PANELS: list[tuple[int, object]] = []


def register_overview_panel(render, order: int = 100) -> None:
    if all(existing is not render for _order, existing in OVERVIEW_PANELS):
        OVERVIEW_PANELS.append((order, render))


def overview_panels(request) -> list[str]:
    return [html for _o, fn in sorted(OVERVIEW_PANELS, key=lambda p: p[0]) if (html := fn(request))]


def portal_links() -> list[dict]:
    items = []
    for link in sorted(PORTAL_LINKS, key=lambda i: i.order):
        try:
            items.append({"label": link.label, "url": reverse(link.url_name)})
        except NoReverseMatch:
            continue
    return items


def is_portal_user(user) -> bool:
    """Merchant users, and signed-in people who may still apply: not platform staff, nor a
    testing lab's or an external assessor's account (they have pages of their own)."""
    return bool(
        getattr(user, "is_authenticated", False) and not user.is_staff and not user_roles(user)
    )


def _merchant_document_rule(request, upload) -> bool:
    """Members of the merchant and Merchant Management staff may read its documents."""
    from core.roles import Role, has_role
    from merchants.models import Document
    from merchants.selectors import merchant_of

    documents = Document.objects.filter(file=upload)
    if has_role(request.user, Role.MERCHANT_MANAGEMENT):
        return documents.exists()
    merchant = merchant_of(request.user)
    return merchant is not None and documents.filter(merchant=merchant).exists()


def install_upload_access_rule() -> None:
    from core.uploads import ACCESS_RULES, register_access_rule

    if _merchant_document_rule not in ACCESS_RULES:
        register_access_rule(_merchant_document_rule)


# --- read-only while suspended or terminated --------------------------------------------
# URL names a suspended or terminated merchant's users may still post to: appeals (the way
# back), and whatever higher apps add with `allow_write_while_suspended`.
WRITABLE_WHILE_SUSPENDED: set[str] = {"merchants:appeal-new", "appeal-list", "logout"}
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def allow_write_while_suspended(url_name: str) -> None:
    WRITABLE_WHILE_SUSPENDED.add(url_name)


def read_only_reason(merchant) -> str:
    """Why the merchant's portal is read-only now ("" when it is not)."""
    from django.utils.translation import gettext as _

    from merchants.models import Merchant

    if merchant is None:
        return ""
    if merchant.status == Merchant.Status.SUSPENDED:
        return _(
            "Your shop is suspended: the portal is read-only until the suspension ends. You "
            "can still appeal the sanction on the Standing page."
        )
    if merchant.status == Merchant.Status.TERMINATED:
        return _(
            "Your shop's agreement has been terminated: the portal is read-only. You can "
            "still appeal the termination on the Standing page."
        )
    return ""


def read_only_banner(request) -> dict:
    """Context processor: on portal pages, why the merchant's portal is read-only (shown
    by the base layout above every portal page)."""
    if not request.path_info.startswith("/merchant/"):
        return {}
    from merchants.selectors import merchant_of

    reason = read_only_reason(merchant_of(getattr(request, "user", None)))
    return {"portal_read_only": reason} if reason else {}


def _api_user(request):
    """The user of an API request authenticated by token (DRF authenticates in the view,
    after the middleware)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Token "):
        return None
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=header[6:].strip()).first()
    return token.user if token is not None and token.user.is_active else None


class SuspendedPortalReadOnlyMiddleware:
    """Refuse every write by a suspended or terminated merchant's users (portal pages and
    the API), except appeals: a clear message, nothing changed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in _WRITE_METHODS:
            refused = self._refuse(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _refuse(self, request):
        path = request.path_info
        is_api = path.startswith("/api/")
        if not (is_api or path.startswith("/merchant/")):
            return None
        user = request.user if request.user.is_authenticated else None
        if user is None and is_api:
            user = _api_user(request)
        if user is None:
            return None
        from django.urls import Resolver404, resolve

        from merchants.selectors import merchant_of

        reason = read_only_reason(merchant_of(user))
        if not reason:
            return None
        try:
            match = resolve(path)
        except Resolver404:
            return None
        if match.view_name in WRITABLE_WHILE_SUSPENDED or match.url_name in (
            WRITABLE_WHILE_SUSPENDED
        ):
            return None
        if is_api:
            from django.http import JsonResponse

            return JsonResponse({"detail": reason, "code": "merchant_read_only"}, status=403)
        from django.shortcuts import render

        return render(request, "error.html", {"status": 403, "message": reason}, status=403)
