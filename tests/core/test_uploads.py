import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from core.models import Upload
from core.uploads import clean_filename, store_upload, validate_upload
from tests import files
from tests.factories import UserFactory


def stored_files(settings):
    root = settings.PRIVATE_MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("setup.pdf", files.ELF_HEADER, "type"),
        ("truncated.pdf", files.pdf_bytes()[:-40], "pdf"),
        ("empty.pdf", b"", "empty"),
        ("page.pdf", b"<html><script>alert(1)</script></html>", "type"),
        (
            "scripted.pdf",
            files.pdf_bytes().replace(b"/Type /Page", b"/JavaScript /Page"),
            "pdf_active",
        ),
        ("broken.png", files.png_bytes()[:30], "image"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(db, settings, name, content, code):
    with pytest.raises(ValidationError) as refused:
        store_upload(files.upload(name, content), uploaded_by=UserFactory())
    assert refused.value.code == code
    assert Upload.objects.count() == 0
    assert stored_files(settings) == []


def test_type_comes_from_content_not_name(db):
    upload = store_upload(files.upload("scan.pdf", files.png_bytes()))
    assert upload.content_type == "image/png"
    assert upload.original_name == "scan.pdf"


def test_limit_is_ten_megabytes_exactly(db, settings):
    body = files.pdf_bytes()
    limit = 10 * 1024 * 1024
    trailer = body[body.rindex(b"startxref") :]  # repeat it so the xref offset still holds
    padding = limit - len(body) - len(trailer) - 2
    padded = body + b"%" + b"x" * padding + b"\n" + trailer
    assert len(padded) == limit
    assert validate_upload(files.upload("big.pdf", padded)).size == limit
    with pytest.raises(ValidationError) as refused:
        store_upload(files.upload("big.pdf", padded + b"x"))
    assert refused.value.code == "too_large"
    assert stored_files(settings) == []


@override_settings(UPLOAD_MAX_PIXELS=10_000)
def test_images_with_too_many_pixels_are_refused(db):
    with pytest.raises(ValidationError) as refused:
        validate_upload(files.upload("wide.png", files.png_bytes((200, 200))))
    assert refused.value.code == "image_pixels"


def test_refusals_are_translated(db):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        validate_upload(files.upload("x.pdf", b""))
    assert refused.value.messages == ["文件是空的。"]


def test_stored_name_is_random_and_display_name_is_cleaned(db):
    upload = store_upload(files.upload("../../etc/\u202epasswd\u202c.pdf", files.pdf_bytes()))
    assert upload.original_name == "passwd.pdf"
    assert "passwd" not in upload.file.name and ".." not in upload.file.name
    assert clean_filename("") == "file"


def test_download_checks_permission_and_sets_safe_headers(client, db):
    owner, stranger = UserFactory(), UserFactory()
    upload = store_upload(
        files.upload("营业执照 licence.pdf", files.pdf_bytes()), uploaded_by=owner
    )
    url = f"/files/{upload.pk}/"
    assert client.get(url).status_code == 404
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7%20licence.pdf" in disposition
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
