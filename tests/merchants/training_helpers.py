from django.contrib.auth.models import Group

from merchants.services import training
from tests.factories.training import (
    QuizQuestionFactory,
    TrainingModuleFactory,
    TrainingProgrammeFactory,
)


def manager(role_user):
    return role_user("merchant_management")


def programme(*, questions=0, pass_mark=None, **kwargs):
    p = TrainingProgrammeFactory(pass_mark=pass_mark, **kwargs)
    TrainingModuleFactory(programme=p)
    for i in range(questions):
        QuizQuestionFactory(programme=p, order=i + 1)
    return p


def published(actor, **kwargs):
    categories = kwargs.pop("categories", None)
    p = programme(**kwargs)
    if categories:
        p.categories.set(categories)
    training.publish_programme(p, actor=actor)
    p.refresh_from_db()
    return p


def department(name):
    return Group.objects.get(name=name)
