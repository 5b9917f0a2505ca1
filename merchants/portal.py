"""The merchant portal's frame: who may use it, its sub-navigation, file access.

Other capabilities add their portal pages with `register_portal_link(label, url_name,
order)`; templates extending `merchants/portal/base.html` show them.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from core.roles import is_staff_member


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
    """Merchant users, and signed-in people who may still apply (not platform staff)."""
    return bool(
        getattr(user, "is_authenticated", False) and not user.is_staff and not is_staff_member(user)
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
