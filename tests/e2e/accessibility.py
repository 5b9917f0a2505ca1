"""axe-core (shipped by axe-playwright-python) in the browser journeys: every page a journey
loads is checked, and a serious or critical violation fails the journey."""

from __future__ import annotations

BLOCKING = ("serious", "critical")


def axe_violations(page) -> list[str]:
    """The serious and critical axe-core violations of the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for violation in results.response.get("violations", []):
        if violation.get("impact") not in BLOCKING:
            continue
        targets = [" ".join(map(str, node.get("target", []))) for node in violation["nodes"]]
        found.append(
            f"{page.url}: {violation['impact']} {violation['id']} ({violation['help']}) "
            f"at {targets[:3]}"
        )
    return found


def watch(page) -> None:
    """Check every page the journey loads (after its load event); findings collect in
    page.axe_problems and are asserted when the journey ends."""
    page.axe_problems = []
    seen = set()

    def on_load(loaded):
        key = loaded.url
        if key in seen or loaded.is_closed():
            return
        seen.add(key)
        try:
            page.axe_problems.extend(axe_violations(loaded))
        except Exception as exc:  # navigation raced the check: the next load checks again
            seen.discard(key)
            print(f"axe could not run on {key}: {exc}")

    page.on("load", on_load)
