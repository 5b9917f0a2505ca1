import importlib

import factory
import pytest

from core.models import Upload
from tests.files import pdf_bytes


class EvidenceFactory(factory.django.DjangoModelFactory):
    """An evidence object: a stored upload (any saved model would do)."""

    class Meta:
        model = Upload

    original_name = factory.Sequence(lambda n: f"evidence-{n}.pdf")
    content_type = "application/pdf"
    size = factory.LazyFunction(lambda: len(pdf_bytes()))
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    file = factory.django.FileField(filename="evidence.pdf", data=b"%PDF-1.4\n%%EOF")


@pytest.fixture(autouse=True)
def rules_catalogue(db):
    """The seeded rules catalogue. The data migration writes it once per test database,
    but a transactional test (here or in another app) flushes every table afterwards, so
    standing tests put it back (idempotently) with the migration's own function."""
    from django.apps import apps

    migration = importlib.import_module("merchants.migrations.0003_standing")
    migration.seed_rules(apps, None)
