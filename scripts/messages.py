"""Translation catalogues: extract, compile, check.

Each app keeps its own catalogue in <app>/locale (its code and its templates live inside the
app), the project's shared strings (config, templates/) are in locale/. Compiled .mo files
are committed, so no gettext tools are needed at run time; compiling uses polib.

  python scripts/messages.py          extract (needs GNU gettext), then compile
  python scripts/messages.py --check  fail if a zh_Hans string is untranslated or fuzzy,
                                      a .mo is out of date, or (when xgettext is present)
                                      the code has strings the catalogues lack
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LANGS = ["zh_Hans", "en"]
IGNORE = [".venv/*", "var/*", "staticfiles/*", "tests/*", "bench/*", "scripts/*", "node_modules/*"]


def catalogues() -> list[Path]:
    return sorted(
        p for p in ROOT.glob("**/locale/*/LC_MESSAGES/django.po") if ".venv" not in p.parts
    )


def extract() -> None:
    args = [sys.executable, "manage.py", "makemessages", "--no-obsolete", "--add-location=file"]
    for lang in LANGS:
        args += ["-l", lang]
    for pattern in IGNORE:
        args += ["--ignore", pattern]
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or "postgres://x/x",
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://localhost",
    }
    subprocess.run(args, cwd=ROOT, check=True, env=env, stdout=subprocess.DEVNULL)


def compile_all() -> None:
    for po_path in catalogues():
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))


def problems() -> list[str]:
    found = []
    for po_path in catalogues():
        po = polib.pofile(str(po_path))
        rel = po_path.relative_to(ROOT)
        if "zh_Hans" in po_path.parts:
            missing = [e.msgid for e in po if not e.translated() and not e.obsolete]
            found += [f"{rel}: untranslated or fuzzy: {m!r}" for m in missing[:20]]
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists():
            found.append(f"{rel}: no compiled .mo (run `make messages`)")
            continue
        mo = polib.mofile(str(mo_path))
        want = {
            (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in po
            if e.translated()
        }
        have = {
            (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in mo
            if e.msgid
        }
        if want != have:
            found.append(f"{rel}: the .mo is out of date (run `make messages`)")
    return found


def check() -> int:
    found = problems()
    if shutil.which("xgettext"):
        saved = {p: p.read_bytes() for p in catalogues()}
        try:
            extract()
            new = [p for p in problems() if "untranslated" in p or "no compiled" in p]
            found += [f"not in the catalogue yet: {p}" for p in new if p not in found]
        finally:
            for path in catalogues():
                if path not in saved:
                    path.unlink()
            for path, content in saved.items():
                path.write_bytes(content)
    for line in found:
        print(line, file=sys.stderr)
    print(f"translations: {len(catalogues())} catalogues, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    if "--check" in sys.argv:
        sys.exit(check())
    if "--compile" in sys.argv:
        compile_all()
        sys.exit(0)
    extract()
    compile_all()
    for line in problems():
        print(line)
