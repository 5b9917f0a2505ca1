import factory

from merchants.models import QuizQuestion, TrainingModule, TrainingProgramme


class TrainingProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingProgramme

    code = factory.Sequence(lambda n: f"programme-{n}")
    title = factory.Sequence(lambda n: f"Quality training {n}")
    audience = "all_merchants"
    window_days = 30


class TrainingModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingModule

    programme = factory.SubFactory(TrainingProgrammeFactory)
    title = "Product quality law"
    body = "What the E-commerce Law asks of sellers."


class QuizQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuizQuestion

    programme = factory.SubFactory(TrainingProgrammeFactory)
    text = "Who is responsible for the quality of a product sold?"
    choices = "The platform only\nThe merchant\nNobody"
    correct_choice = 2
