"""Store then discard on rollback (core.uploads.atomic_with_uploads): a file written for an
Upload row whose transaction rolls back is removed with it, so no path leaves orphan files
on disk. The helper on its own, nested, and the upload paths that store files before a step
that can still fail."""

import pytest
from django.db import transaction

from core import uploads
from core.exceptions import DomainError
from core.models import Upload
from tests import files

pytestmark = pytest.mark.django_db


def on_disk(settings) -> list:
    root = settings.PRIVATE_MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root and root.exists() else []


def fail(*args, **kwargs):
    raise DomainError("refused after the files were stored")


# --- the helper ---------------------------------------------------------------------------


def test_a_committed_block_keeps_its_files(settings):
    with uploads.atomic_with_uploads():
        upload = uploads.store_upload(files.png())
    assert Upload.objects.filter(pk=upload.pk).exists()
    assert len(on_disk(settings)) == 1


def test_a_rolled_back_block_removes_its_files(settings):
    with pytest.raises(DomainError), uploads.atomic_with_uploads():
        uploads.store_upload(files.png())
        uploads.store_upload(files.pdf())
        assert len(on_disk(settings)) == 2
        fail()
    assert not Upload.objects.exists()
    assert on_disk(settings) == []


def test_an_outer_rollback_removes_the_files_of_an_inner_block_that_committed(settings):
    with pytest.raises(DomainError), uploads.atomic_with_uploads():
        with uploads.atomic_with_uploads():
            uploads.store_upload(files.png())
        fail()
    assert on_disk(settings) == []


def test_an_inner_rollback_leaves_the_outer_files(settings):
    with uploads.atomic_with_uploads():
        kept = uploads.store_upload(files.png())
        with pytest.raises(DomainError), uploads.atomic_with_uploads():
            uploads.store_upload(files.pdf())
            fail()
    assert list(Upload.objects.values_list("pk", flat=True)) == [kept.pk]
    assert len(on_disk(settings)) == 1


def test_a_savepoint_rolled_back_inside_a_block_is_removed_with_the_block(settings):
    with pytest.raises(DomainError), uploads.atomic_with_uploads():
        with transaction.atomic():
            uploads.store_upload(files.png())
        fail()
    assert on_disk(settings) == []


# --- the upload paths ---------------------------------------------------------------------


def test_filing_a_case_refused_after_its_files_were_stored(settings, monkeypatch, merchant_a):
    from complaints import services
    from complaints.services import intake

    monkeypatch.setattr(intake, "_open_case", fail)
    with pytest.raises(DomainError):
        services.file_case(
            merchant=merchant_a,
            consumer_name="Li Na",
            consumer_email="li@example.test",
            description="Leaks.",
            complaint_type="other",
            files=[files.png(), files.pdf()],
        )
    assert not Upload.objects.exists() and on_disk(settings) == []


def test_a_mail_whose_step_fails_after_its_attachments_were_stored(settings, monkeypatch):
    from email.message import EmailMessage

    from complaints import mail as ingestion

    msg = EmailMessage()
    msg["From"] = "li@example.test"
    msg["Subject"] = "Order SO-1"
    msg["Message-ID"] = "<rollback@mail.example>"
    msg.set_content("It leaks.")
    msg.add_attachment(files.png_bytes(), maintype="image", subtype="png", filename="a.png")
    monkeypatch.setattr(ingestion, "_try_open_case", fail)
    with pytest.raises(DomainError):
        ingestion.store_message(msg.as_bytes())
    assert not Upload.objects.exists() and on_disk(settings) == []


def test_a_merchant_document_refused_after_its_file_was_stored(settings, monkeypatch):
    from merchants.services import onboarding
    from tests.merchants.onboarding_helpers import signed_up, upload

    owner, merchant, _category = signed_up()
    monkeypatch.setattr(onboarding, "record_decision", fail)
    with pytest.raises(DomainError):
        upload(merchant, owner)
    assert not Upload.objects.exists() and on_disk(settings) == []


def test_a_listing_refused_after_its_images_were_stored(settings, monkeypatch, merchant_a):
    from products import services
    from products.services import listings
    from tests.factories.core import CategoryFactory
    from tests.factories.merchants import sells_in

    food = CategoryFactory(code="t-food", name_en="Food", name_zh="食品")
    sells_in(merchant_a, food)
    before = (Upload.objects.count(), on_disk(settings))  # the merchant's own documents
    monkeypatch.setattr(listings, "record_decision", fail)
    with pytest.raises(DomainError):
        services.create_product(
            merchant=merchant_a,
            category=food,
            sku="1",
            title="Kettle",
            price="9",
            images=[files.png(), files.png("back.png")],
        )
    assert (Upload.objects.count(), on_disk(settings)) == before
