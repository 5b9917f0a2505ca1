"""The sanction ladder as pure rules (no database): which step a points total reaches.

A ladder is a list of steps, each `{"points": int, "sanction": kind, "days": int,
"warning": bool}`, kept in the `merchants.sanction_ladder` policy so staff can version it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.exceptions import DomainError

SALES_RESTRICTION = "sales_restriction"
SUSPENSION = "suspension"
TERMINATION = "termination"
LADDER_SANCTIONS = (SALES_RESTRICTION, SUSPENSION, TERMINATION)

DEFAULT_LADDER = [
    {"points": 12, "sanction": SALES_RESTRICTION, "days": 7, "warning": True},
    {"points": 24, "sanction": SALES_RESTRICTION, "days": 14, "warning": False},
    {"points": 36, "sanction": SUSPENSION, "days": 21, "warning": False},
    {"points": 48, "sanction": TERMINATION, "days": 0, "warning": False},
]


@dataclass(frozen=True)
class Step:
    points: int
    sanction: str
    days: int  # 0: open-ended (termination)
    warning: bool = False


def parse_ladder(raw) -> list[Step]:
    """Validate a ladder from a policy value; steps sorted by points, strictly rising."""
    if not isinstance(raw, list) or not raw:
        raise DomainError(_("The ladder must be a non-empty list of steps."))
    steps = []
    for item in raw:
        if not isinstance(item, dict) or set(item) - {"points", "sanction", "days", "warning"}:
            raise DomainError(
                _("Each ladder step needs “points”, “sanction”, “days” and may have “warning”.")
            )
        points, sanction, days = item.get("points"), item.get("sanction"), item.get("days", 0)
        warning = item.get("warning", False)
        if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
            raise DomainError(_("A ladder step's points must be a positive whole number."))
        if sanction not in LADDER_SANCTIONS:
            raise DomainError(
                _("A ladder step's sanction must be one of: %(kinds)s.")
                % {"kinds": ", ".join(LADDER_SANCTIONS)}
            )
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise DomainError(_("A ladder step's days must be zero or a positive whole number."))
        if sanction != TERMINATION and days == 0:
            raise DomainError(_("A restriction or suspension step needs a number of days."))
        if not isinstance(warning, bool):
            raise DomainError(_("A ladder step's warning must be true or false."))
        steps.append(Step(points, sanction, days, warning))
    steps.sort(key=lambda s: s.points)
    if len({s.points for s in steps}) != len(steps):
        raise DomainError(_("Two ladder steps have the same points."))
    return steps


def step_for(points: int, ladder: list[Step]) -> Step | None:
    """The highest step a points total reaches, or None below the first step."""
    reached = None
    for step in ladder:
        if points >= step.points:
            reached = step
    return reached


def step_crossed(before: int, after: int, ladder: list[Step]) -> Step | None:
    """The step to apply when a merchant's held level moves from `before` points to `after`:
    the highest step reached above the level already held, applied once. (A jump over
    several steps also keeps the lower steps' lasting consequences: see `steps_crossed`
    and `superseded`.)"""
    step = step_for(after, ladder)
    if step is None or step.points <= before:
        return None
    return step


def steps_crossed(before: int, after: int, ladder: list[Step]) -> list[Step]:
    """Every step a move from the held level `before` to `after` points crosses, lowest
    first (empty when none)."""
    return [s for s in ladder if before < s.points <= after]


_RANK = {SALES_RESTRICTION: 0, SUSPENSION: 1, TERMINATION: 2}


def superseded(lower: Step, top: Step) -> bool:
    """Is a lower step's restriction fully covered by the top step's, both starting now?
    Then only the top one is imposed; otherwise the lower one lasts on its own."""
    if top.sanction == TERMINATION:
        return True
    if _RANK[lower.sanction] > _RANK[top.sanction]:
        return False
    return top.days >= lower.days


def thresholds(ladder: list[Step]) -> list[int]:
    return [s.points for s in ladder]
