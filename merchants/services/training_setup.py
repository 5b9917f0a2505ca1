"""Wiring of the training capability at app start: alert kinds and the audience-entry hooks
(a merchant going live or on probation, a new category, a staff member joining a department)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import m2m_changed, post_save
from django.utils.translation import gettext_lazy as _

from core.alerts import register_kind


def _merchant_entered(merchant_id: int) -> None:
    from merchants.services.training import assign_entering

    transaction.on_commit(lambda: assign_entering(merchant_ids=[merchant_id]), robust=True)


def _on_merchant_saved(sender, instance, created, **kwargs):
    if instance.status in ("probation", "active"):
        _merchant_entered(instance.pk)


def _on_categories_changed(sender, instance, action, pk_set, reverse, **kwargs):
    if action != "post_add":
        return
    if reverse:  # category.merchants.add(...)
        for merchant_id in pk_set or ():
            _merchant_entered(merchant_id)
    else:
        _merchant_entered(instance.pk)


def _on_groups_changed(sender, instance, action, reverse, **kwargs):
    if action != "post_add":
        return
    from merchants.models import Audience
    from merchants.services.training import assign_entering

    transaction.on_commit(lambda: assign_entering(audiences=[Audience.STAFF]), robust=True)


def ready() -> None:
    from merchants.models import Merchant
    from merchants.models.training import programme_name

    names = {"programme": programme_name}

    register_kind(
        "training_assigned",
        _("Training assigned"),
        _("New training: %(programme)s, due %(due)s"),
        labels=names,
    )
    register_kind(
        "training_due",
        _("Training due soon"),
        _("Training %(programme)s is due in %(days)s days (%(due)s)"),
        labels=names,
    )
    register_kind(
        "training_overdue",
        _("Training overdue"),
        _("Training %(programme)s was due on %(due)s; sales may be restricted until it is done"),
        labels=names,
    )
    install_upload_access_rule()
    post_save.connect(_on_merchant_saved, sender=Merchant, dispatch_uid="training_merchant_saved")
    m2m_changed.connect(
        _on_categories_changed,
        sender=Merchant.categories.through,
        dispatch_uid="training_categories_changed",
    )
    m2m_changed.connect(
        _on_groups_changed,
        sender=get_user_model().groups.through,
        dispatch_uid="training_groups_changed",
    )


def _training_material_rule(request, upload) -> bool:
    """Staff read every training material; a merchant user the materials of programmes
    assigned to their merchant and of sessions their merchant registered for."""
    from django.db.models import Q

    from core.roles import Role, has_role
    from merchants.models import TrainingMaterial
    from merchants.selectors import merchant_of

    materials = TrainingMaterial.objects.filter(file=upload)
    user = request.user
    if has_role(user, *Role.values):
        return materials.exists()
    if not getattr(user, "is_authenticated", False):
        return False
    merchant = merchant_of(user)
    if merchant is None:
        return False
    return materials.filter(
        Q(module__programme__assignments__merchant=merchant)
        | Q(session__attendances__merchant=merchant)
    ).exists()


def install_upload_access_rule() -> None:
    from core.uploads import ACCESS_RULES, register_access_rule

    if _training_material_rule not in ACCESS_RULES:
        register_access_rule(_training_material_rule)
