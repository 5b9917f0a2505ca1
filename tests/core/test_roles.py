import pytest
from django.contrib.auth.models import Group

from core.roles import Role, has_role


@pytest.mark.external
def test_every_department_role_exists_as_a_group(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


@pytest.mark.external
def test_role_groups_carry_the_permissions_their_apps_declare(db):
    quality = Group.objects.get(name=Role.QUALITY_MANAGEMENT)
    codenames = set(quality.permissions.values_list("codename", flat=True))
    assert {"add_category", "change_category", "view_category"} <= codenames
    consumer_service = Group.objects.get(name=Role.CONSUMER_SERVICE)
    assert "change_category" not in set(
        consumer_service.permissions.values_list("codename", flat=True)
    )


def test_has_role_answers_per_department(role_user, db):
    agent = role_user(Role.CONSUMER_SERVICE)
    assert has_role(agent, Role.CONSUMER_SERVICE)
    assert not has_role(agent, Role.QUALITY_MANAGEMENT)
