"""The interface-review screenshots in docs/screenshots/ (README "Interface review").

Takes the six pages of issue 19 as their users see them, in both languages, against a
running site with the demo data (`make run`), through Debian's chromium (`make e2e-deps`):

    DATABASE_URL=... python scripts/screenshots.py [--base http://127.0.0.1:8000] [--suffix after]

It reads the demo database (the same DATABASE_URL as the site) only to find which case, lot
and merchant to open; it writes nothing but the PNG files.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "demo-pass-2026"  # noqa: S105 - the demo logins of README "Demo logins"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _pages() -> list[tuple[str, str | None, str, dict]]:
    """(file stem, demo user or None for a consumer, path, viewport) of each page."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from complaints.models import Case
    from inspections.models import Inspection
    from merchants.models import Merchant

    case = Case.objects.order_by("-created_at").first()
    lot = Inspection.objects.order_by("-pk").first()
    merchant = Merchant.objects.filter(risk_score__isnull=False).order_by("pk").first()
    pages = [
        ("complaint-form", None, "/complaints/new/", PHONE),
        ("portal", "merchant_b", "/merchant/", PHONE),
        ("mm-review", "mm", "/staff/merchants/review/", DESKTOP),
    ]
    if case is not None:
        pages.append(("cs-case", "cs", f"/staff/complaints/{case.pk}/", DESKTOP))
    if lot is not None:
        pages.append(("qm-grid", "qm", f"/staff/inspections/{lot.pk}/record/", DESKTOP))
    if merchant is not None:
        pages.append(("risk", "manager", f"/staff/risk/merchants/{merchant.pk}/", DESKTOP))
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--suffix", default="after")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    pages = _pages()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        for language in ("zh-hans", "en"):
            for stem, user, path, viewport in pages:
                context = browser.new_context(
                    base_url=args.base, viewport=viewport, is_mobile=viewport is PHONE
                )
                context.add_cookies(
                    [{"name": "django_language", "value": language, "url": args.base}]
                )
                page = context.new_page()
                if user:
                    page.goto("/accounts/login/")
                    page.fill("[name=username]", user)
                    page.fill("[name=password]", PASSWORD)
                    page.locator("form [type=submit]").last.click()
                    page.wait_for_load_state()
                page.goto(path)
                target = out / f"{stem}-{language}-{args.suffix}.png"
                page.screenshot(path=str(target))
                print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
                context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
