import pytest

from core import demo as core_demo
from merchants import demo
from merchants.demo import standing as demo_standing
from merchants.models import Appeal, Sanction, ViolationEntry
from tests.factories.standing import rules_catalogue  # noqa: F401


@pytest.mark.django_db
def test_demo_standing_seeds_once():
    lines = []
    core_demo.seed(lines.append)
    demo.seed(lines.append)
    demo_standing.seed(lines.append)
    counts = (ViolationEntry.objects.count(), Appeal.objects.count(), Sanction.objects.count())
    demo_standing.seed(lines.append)
    assert counts == (4, 1, 3)
    assert (
        ViolationEntry.objects.count(),
        Appeal.objects.count(),
        Sanction.objects.count(),
    ) == counts
    assert "12 points" in lines[-1]
