"""Department roles. Each is a Django group, created by core's data migration.

Apps declare what each role may do on their models in `AppConfig.role_permissions`
({role: [codename or pattern]}); `sync_role_permissions` applies them after every migrate,
so a role's permissions are written next to the models they are about.
"""

from fnmatch import fnmatch

from django import forms
from django.contrib.auth.models import Group, Permission
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Role(TextChoices):
    MERCHANT_MANAGEMENT = "merchant_management", _("Merchant Management")
    QUALITY_MANAGEMENT = "quality_management", _("Quality Management")
    CONSUMER_SERVICE = "consumer_service", _("Consumer Service")
    DATA_ANALYSIS = "data_analysis", _("Data Analysis")
    QUALITY_MANAGER = "quality_manager", _("Quality Managers")


class ExternalRole(TextChoices):
    """Outside parties with an account: not platform staff (never `is_staff_member`).

    LAB: users of a third-party testing lab (their lab is `inspections.LabMember`).
    EXTERNAL_ASSESSOR: independent reviewers checking the platform's commitments (read-only,
    they record findings)."""

    LAB = "lab", _("Testing lab")
    EXTERNAL_ASSESSOR = "external_assessor", _("External assessors")


def user_roles(user) -> frozenset[str]:
    """The role codes of a user, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        names = [*Role.values, *ExternalRole.values]
        cached = frozenset(user.groups.filter(name__in=names).values_list("name", flat=True))
        user._role_cache = cached
    return cached


def has_role(user, *roles: str) -> bool:
    """Is this user staff of any of these departments? Superusers count as every role."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return bool(user_roles(user) & set(roles))


def is_staff_member(user) -> bool:
    return has_role(user, *Role.values)


def role_label(name: str) -> str:
    """A department's name for people: its group's name is a code (`consumer_service`)."""
    for roles in (Role, ExternalRole):
        if name in roles.values:
            return roles(name).label
    return name


class DepartmentField(forms.ModelChoiceField):
    """Chooses a department's group by the department's name, never by its code."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Group.objects.filter(name__in=Role.values).order_by("pk"))
        super().__init__(**kwargs)

    def label_from_instance(self, obj):
        return role_label(obj.name)


def role_group(role: str) -> Group:
    return Group.objects.get(name=role)


def sync_role_permissions(sender, **kwargs) -> None:
    """post_migrate, once per app: give each role group the permissions the app declares.

    Runs after auth's own post_migrate handler has created the app's permissions.
    """
    declared = getattr(sender, "role_permissions", None)
    if not declared:
        return
    perms = list(
        Permission.objects.filter(content_type__app_label=sender.label).values_list(
            "id", "codename"
        )
    )
    for role, patterns in declared.items():
        group, _created = Group.objects.get_or_create(name=role)
        # Only add: staff may grant extra permissions in the admin and keep them.
        group.permissions.add(
            *(pid for pid, codename in perms if any(fnmatch(codename, p) for p in patterns))
        )


# --- staff-role guards ----------------------------------------------------------------------
# Higher apps refuse a staff role for accounts they own (a merchant user never becomes
# platform staff): each guard takes the user and raises a DomainError. The user admin runs
# them before it saves a staff flag or a department group.
_STAFF_GUARDS: list = []


def register_staff_guard(fn) -> None:
    if fn not in _STAFF_GUARDS:
        _STAFF_GUARDS.append(fn)


def check_may_become_staff(user) -> None:
    for guard in _STAFF_GUARDS:
        guard(user)
