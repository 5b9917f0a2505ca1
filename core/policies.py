"""Versioned governance settings (thresholds, SLA targets, windows).

Each app registers its policies with their defaults. Staff add new versions in the admin;
a version is never edited, so what a past decision used stays readable, and anything that
must keep "the rules it started with" stores the PolicyVersion it read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.db import advisory_xact_lock
from core.exceptions import DomainError
from core.models import PolicyVersion


@dataclass(frozen=True)
class Policy:
    key: str
    label: str
    defaults: dict

    def validate(self, value: dict) -> dict:
        """Same keys as the defaults, each of the default's type (ints may stand for floats)."""
        if not isinstance(value, dict):
            raise DomainError(_("A policy value must be a JSON object."))
        unknown = sorted(set(value) - set(self.defaults))
        if unknown:
            raise DomainError(_("Unknown settings: %(keys)s.") % {"keys": ", ".join(unknown)})
        merged = {**self.defaults, **value}
        for name, default in self.defaults.items():
            given = merged[name]
            expected = (int, float) if isinstance(default, float) else type(default)
            if isinstance(given, bool) != isinstance(default, bool) or not isinstance(
                given, expected
            ):
                raise DomainError(
                    _("“%(name)s” must be of the same kind as its default (%(default)s).")
                    % {"name": name, "default": default}
                )
            if isinstance(given, int | float) and not isinstance(given, bool) and given < 0:
                raise DomainError(_("“%(name)s” cannot be negative.") % {"name": name})
        return merged


REGISTRY: dict[str, Policy] = {}


def register(key: str, *, label, defaults: dict) -> Policy:
    policy = Policy(key, label, dict(defaults))
    REGISTRY[key] = policy
    return policy


def version_at(key: str, at: datetime | None = None) -> PolicyVersion | None:
    return (
        PolicyVersion.objects.filter(key=key, effective_from__lte=at or timezone.now())
        .order_by("-effective_from", "-version")
        .first()
    )


def get(key: str, at: datetime | None = None) -> dict:
    """The settings in force at `at` (now by default): defaults overlaid by the version."""
    policy = REGISTRY[key]
    version = version_at(key, at)
    return {**policy.defaults, **(version.value if version else {})}


@transaction.atomic
def publish(
    key: str, *, value: dict, by=None, note: str = "", effective_from: datetime | None = None
) -> PolicyVersion:
    """Add the next version of a policy after validating it."""
    policy = REGISTRY.get(key)
    if policy is None:
        raise DomainError(_("Unknown policy “%(key)s”.") % {"key": key})
    merged = policy.validate(value)
    advisory_xact_lock(f"policy:{key}")  # number versions one at a time per key
    last = PolicyVersion.objects.filter(key=key).aggregate(n=Max("version"))["n"] or 0
    return PolicyVersion.objects.create(
        key=key,
        version=last + 1,
        value=merged,
        note=note,
        effective_from=effective_from or timezone.now(),
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )


def ensure_version(key: str) -> PolicyVersion:
    """The version in force now, publishing the defaults as v1 if none exists yet (so that
    records can pin a concrete version)."""
    version = version_at(key)
    if version is None:
        with transaction.atomic():
            advisory_xact_lock(f"policy:{key}")
            version = version_at(key) or publish(key, value=REGISTRY[key].defaults, note="defaults")
    return version
