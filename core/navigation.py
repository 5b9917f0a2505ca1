"""Header navigation: each app registers its links with who may see them."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    visible: Callable[[object], bool]
    order: int = 100


NAV_ITEMS: list[NavItem] = []


def register_nav(label, url_name: str, visible: Callable[[object], bool], order: int = 100):
    NAV_ITEMS.append(NavItem(label, url_name, visible, order))


def items_for(user) -> list[dict]:
    items = []
    for item in sorted(NAV_ITEMS, key=lambda i: i.order):
        if not item.visible(user):
            continue
        try:
            items.append({"label": item.label, "url": reverse(item.url_name)})
        except NoReverseMatch:
            continue
    return items
