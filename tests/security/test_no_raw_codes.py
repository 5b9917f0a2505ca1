"""No page shows a person a raw code.

Every HTML page of the permission matrix is rendered as every actor that may open it, in both
languages, and its visible text (tags, scripts, styles and attribute values removed) must not
contain what only a program should read: snake_case identifiers (`sales_restriction`,
`sla_breach_merchant`), version suffixes (`inspection_lot_rejected v1`) or bare floats with more
than two decimals (3.7126). Codes get labels (choices, rule titles, alert kinds, states in
history) and system-generated reasons are stored as a code plus parameters and rendered in the
reader's language.
"""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from tests.security.test_permission_matrix import (  # noqa: F401  (fixtures)
    ACTORS,
    PAGES,
    Requester,
    _fill,
    _patterns,
    users,
    world,
)

pytestmark = pytest.mark.django_db

CODE = re.compile(
    r"(?<![\w./@:-])"
    r"(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?: v\d+)?"  # snake_case, with a version suffix
    r"|[a-z]\w* v\d+"  # code v1
    r"|(?<= )v\d+"  # GB 2762 v1 (a version shown as a code)
    r"|\d+\.\d{3,})"  # 3.7126
    r"(?![\w/@-])"
)
LANGUAGES = ("zh-hans", "en")
INVISIBLE = {"script", "style", "template", "head"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in INVISIBLE:
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in INVISIBLE and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def raw_codes(html: str) -> list[str]:
    return sorted({m.group(0) for m in CODE.finditer(visible_text(html))})


def test_the_code_pattern_finds_codes_and_spares_prose():
    page = (
        "<p>warning sales_restriction</p><p>inspection_lot_rejected v1</p><p>score 3.7126</p>"
        "<p>GB 2762 v2</p>"
        "<script>var a_b = 1;</script><input name='sla_breach' value='x'>"
    )
    assert raw_codes(page) == ["3.7126", "inspection_lot_rejected v1", "sales_restriction", "v2"]
    prose = (
        "<p>限售 · 3.71 points, 2026-12-03 10:00, a.buyer@example.com, /files/x_y/</p>"
        "<p>GB 2762 第 2 版 · version 2</p>"
    )
    assert raw_codes(prose) == []


def test_no_html_page_shows_a_raw_code_to_any_actor_in_either_language(users, world):  # noqa: F811
    requester = Requester(users)
    found, pages = [], 0
    for name, route, _pattern in _patterns():
        if route.startswith(("admin/", "api/")) or name not in PAGES:
            continue
        spec, expected = PAGES[name]
        for actor, want in zip(ACTORS, expected.split()[: len(ACTORS)], strict=True):
            if "ok" not in want.split("/"):
                continue
            url = reverse(name, kwargs=_fill(spec, world.objects, actor))
            for language in LANGUAGES:
                client = requester.clients[actor]
                client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
                response = client.get(url)
                if response.status_code != 200 or getattr(response, "streaming", False):
                    continue
                if not response.get("Content-Type", "").startswith("text/html"):
                    continue
                pages += 1
                codes = raw_codes(response.content.decode("utf-8", errors="replace"))
                if codes:
                    found.append(f"{name} as {actor} ({language}) {url}: {codes}")
    assert pages > 100
    assert not found, "\n".join(found)
