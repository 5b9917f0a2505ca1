"""The one place files enter the platform (OWASP ASVS 5.0, V5 file handling).

`validate_upload` decides the type from the content (puremagic, signature at offset 0),
parses PDFs with pypdf and decodes images with Pillow, caps size and pixel count, and
refuses anything else with a translated message. `store_upload` saves a validated file
under a random name in private storage. Nothing is written before validation passes.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import io
import re
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import puremagic
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from core.models import Upload

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
ALLOWED = {PDF, JPEG, PNG}
_SIGNATURES = {PDF: b"%PDF-", JPEG: b"\xff\xd8\xff", PNG: b"\x89PNG\r\n\x1a\n"}
# Active content a document has no business carrying.
_PDF_ACTIVE = re.compile(
    rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA|OpenAction\s*<<[^>]*/JS)\b"
)
_UNSAFE_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069/\\]")
# The same names as _PDF_ACTIVE, found in the parsed object graph, where #-escaped names
# (/J#61vaScript) and compressed object streams no longer hide them.
_PDF_ACTIVE_NAMES = frozenset(
    {"/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/XFA"}
)
_PDF_MAX_OBJECTS = 200_000
# What may follow a file's end marker: line ends and padding, never another file.
_TRAILING_PADDING = b"\r\n\t \x00\x0c"
_PNG_END = b"IEND\xaeB`\x82"
_JPEG_END = b"\xff\xd9"


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    name: str
    size: int
    sha256: str


def clean_filename(name: str) -> str:
    """A display-only name: no path, no control or bidi-override characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE_NAME_CHARS.sub("", name).strip(" .")
    return name[:200] or "file"


def _read_all(file) -> bytes:
    file.seek(0)
    data = file.read()
    file.seek(0)
    return data


def _sniff(data: bytes) -> str | None:
    try:
        matches = puremagic.magic_string(data[:4096])
    except (puremagic.PureError, ValueError):
        return None
    for match in matches:
        # puremagic scores; we also insist on the exact signature at byte 0 so a file
        # that merely contains a PNG somewhere is not taken for one.
        if (
            match.mime_type in ALLOWED
            and match.offset == 0
            and data.startswith(_SIGNATURES[match.mime_type])
        ):
            return match.mime_type
    return None


def _trailing_data_error() -> ValidationError:
    return ValidationError(
        _(
            "The file carries extra data after its end (it may hide another file). "
            "Save it again from its original program and upload that copy."
        ),
        code="trailing_data",
    )


def _pdf_active_content(reader: PdfReader) -> bool:
    """Walk every object reachable from the trailer, looking for active-content names."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    stack, seen, visited = [reader.trailer], set(), 0
    while stack:
        node = stack.pop()
        visited += 1
        if visited > _PDF_MAX_OBJECTS:
            return True  # too large to vouch for
        if isinstance(node, IndirectObject):
            if node.idnum in seen:
                continue
            seen.add(node.idnum)
            stack.append(node.get_object())
        elif isinstance(node, DictionaryObject):
            for key, value in node.items():
                if key in _PDF_ACTIVE_NAMES:
                    return True
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)
        elif isinstance(node, NameObject) and node in _PDF_ACTIVE_NAMES:
            return True
    return False


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-2048:]:
        raise ValidationError(_("The PDF is incomplete (it looks truncated)."), code="pdf")
    if data[data.rindex(b"%%EOF") + 5 :].strip(_TRAILING_PADDING):
        raise _trailing_data_error()
    if _PDF_ACTIVE.search(data):
        raise ValidationError(
            _("PDFs with scripts, embedded files or launch actions are not accepted."),
            code="pdf_active",
        )
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted:
            raise ValidationError(_("Password-protected PDFs are not accepted."), code="pdf")
        if len(reader.pages) < 1:
            raise ValidationError(_("The PDF has no pages."), code="pdf")
        active = _pdf_active_content(reader)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValidationError(_("The PDF could not be read."), code="pdf") from exc
    if active:
        raise ValidationError(
            _("PDFs with scripts, embedded files or launch actions are not accepted."),
            code="pdf_active",
        )


def _pixel_limit_error() -> ValidationError:
    return ValidationError(
        _("The image has too many pixels (at most %(n)s million).")
        % {"n": settings.UPLOAD_MAX_PIXELS // 1_000_000},
        code="image_pixels",
    )


def _check_image(data: bytes, content_type: str) -> None:
    expected = {JPEG: "JPEG", PNG: "PNG"}[content_type]
    end = _PNG_END if content_type == PNG else _JPEG_END
    # Not ending on the end marker: either cut short (the decode below says so) or
    # followed by another file (a polyglot such as an image with a ZIP appended).
    if not data.rstrip(_TRAILING_PADDING).endswith(end) and end in data:
        raise _trailing_data_error()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != expected:
                    raise ValidationError(_("The image could not be read."), code="image")
                if image.width * image.height > settings.UPLOAD_MAX_PIXELS:
                    raise _pixel_limit_error()
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # a full decode catches truncated pixel data
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _pixel_limit_error() from exc
    except (
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise ValidationError(_("The image could not be read."), code="image") from exc


def validate_upload(file) -> CheckedFile:
    """Check an uploaded file; raise ValidationError with a translated reason."""
    size = getattr(file, "size", None)
    if size is None:
        size = len(_read_all(file))
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("The file is too large: %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)},
            code="too_large",
        )
    data = _read_all(file)
    content_type = _sniff(data)
    if content_type is None:
        raise ValidationError(
            _("Only PDF, JPEG or PNG files are accepted; this file's content is none of them."),
            code="type",
        )
    if content_type == PDF:
        _check_pdf(data)
    else:
        _check_image(data, content_type)
    return CheckedFile(
        content_type=content_type,
        name=clean_filename(getattr(file, "name", "")),
        size=size,
        sha256=hashlib.sha256(data).hexdigest(),
    )


# The files stored inside the innermost `atomic_with_uploads` block (None: outside any).
_STORED: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "stored_uploads", default=None
)


def discard_uploads(uploads) -> None:
    """Remove the files of uploads whose rows a rolled-back transaction took away."""
    for upload in uploads:
        upload.file.delete(save=False)


@contextlib.contextmanager
def atomic_with_uploads(using=None):
    """`transaction.atomic()` that also removes the files stored inside it when it rolls
    back. Files are written when their Upload row is (store_upload), so a rollback would
    otherwise leave them behind with no row pointing at them. Blocks nest: files stored in
    an inner block that succeeded are removed too when an outer block rolls back.

    Every path that stores uploads and may still fail afterwards runs inside one (a
    service's whole step, not only the store)."""
    outer = _STORED.get()
    stored: list = []
    token = _STORED.set(stored)
    try:
        with transaction.atomic(using=using):
            yield stored
    except BaseException:
        discard_uploads(stored)
        raise
    finally:
        _STORED.reset(token)
    if outer is not None:
        outer.extend(stored)


def with_stored_files(files, *, then, by=None):
    """Store the uploaded `files` (checked here) and run `then(uploads)` in one transaction:
    when a file is refused or the step fails, neither rows nor files are kept."""
    with atomic_with_uploads():
        return then([store_upload(file, uploaded_by=by) for file in files])


def store_upload(file, *, uploaded_by=None) -> Upload:
    """Validate then store; raises ValidationError and writes nothing on a bad file. Inside
    `atomic_with_uploads` the file is removed again if that block rolls back."""
    checked = validate_upload(file)
    upload = Upload(
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=uploaded_by if getattr(uploaded_by, "is_authenticated", False) else None,
    )
    file.seek(0)
    upload.file.save("upload", file, save=False)
    stored = _STORED.get()
    if stored is not None:
        stored.append(upload)
    try:
        upload.save()
    except BaseException:
        if stored is None:
            upload.file.delete(save=False)
        raise
    return upload


# --- who may download ------------------------------------------------------------------
AccessRule = Callable[[object, Upload], bool]
ACCESS_RULES: list[AccessRule] = []


def register_access_rule(rule: AccessRule) -> AccessRule:
    """Apps add rules: rule(request, upload) -> True when this request may read it."""
    ACCESS_RULES.append(rule)
    return rule


def can_download(request, upload: Upload) -> bool:
    user = request.user
    if user.is_authenticated and (user.is_superuser or upload.uploaded_by_id == user.pk):
        return True
    return any(rule(request, upload) for rule in ACCESS_RULES)


class UploadField(forms.FileField):
    """A form field that runs the upload checks in clean()."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", gettext_lazy("PDF, JPEG or PNG, at most 10 MB."))
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ".pdf,.jpg,.jpeg,.png,application/pdf,image/*")

    def clean(self, data, initial=None):
        file = super().clean(data, initial)
        if file:
            validate_upload(file)
        return file
