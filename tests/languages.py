"""A text as readers of each language see it."""

from django.utils import translation


def in_both(read) -> tuple[str, str]:
    """`read()` rendered in English, then in Chinese."""
    with translation.override("en"):
        en = str(read())
    with translation.override("zh-hans"):
        zh = str(read())
    return en, zh
