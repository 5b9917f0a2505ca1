import factory

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
