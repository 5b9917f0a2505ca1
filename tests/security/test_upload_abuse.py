"""Every hostile file in the corpus against every upload endpoint: refused with a clear,
translated error; nothing stored (no Upload row, no file on disk, no half-made domain row);
never a server error.

To cover a new upload endpoint, append an Endpoint to ENDPOINTS: `prepare(ctx)` builds what
it needs (a signed-in client, a merchant...), `send(ctx, sample)` posts one file and returns
the response (or raises ValidationError for a service), `rows()` counts the domain rows the
endpoint would create."""

import datetime
import html
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from core.models import Upload
from core.uploads import store_upload, validate_upload
from merchants.models import CategoryRequest, Document
from products.models import Product
from tests import files
from tests.factories.core import CategoryFactory, UserFactory
from tests.factories.merchants import MembershipFactory, sells_in
from tests.merchants.onboarding_helpers import signed_up
from tests.security.upload_corpus import Sample, corpus, hostile_names

pytestmark = pytest.mark.django_db

LANGUAGE = "zh-hans"  # the site's default; errors must reach the visitor translated
CORPUS = corpus()


@dataclass(frozen=True)
class Endpoint:
    name: str
    prepare: Callable[[dict], None]
    send: Callable[[dict, Sample], object]
    rows: Callable[[], int]
    html: bool = True


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=LANGUAGE)
    client.cookies["django_language"] = LANGUAGE
    client.force_login(user)
    return client


def _file(sample: Sample):
    return files.upload(sample.name, sample.content, sample.content_type)


def _document_fields():
    today = timezone.localdate()
    return {
        "document_type": "business_licence",
        "number": "91350100M000100Y43",
        "issuer": "Fuzhou AMR",
        "issued_on": (today - datetime.timedelta(days=30)).isoformat(),
        "expires_on": (today + datetime.timedelta(days=300)).isoformat(),
    }


def _applicant(ctx):
    owner, _merchant, _category = signed_up(n=77)
    ctx["client"] = _client(owner)


def _seller(ctx):
    category = CategoryFactory(code="abuse-tea")
    owner = MembershipFactory().user
    sells_in(owner.membership.merchant, category)
    ctx["client"] = _client(owner)
    ctx["category"] = category


def _expanding_seller(ctx):
    """A live merchant asking for one more category, with its test report."""
    ctx["client"] = _client(MembershipFactory().user)
    ctx["category"] = CategoryFactory(code="abuse-oolong")


def _category_request(ctx, sample):
    return {**_document_fields(), "category": ctx["category"].pk, "file": _file(sample)}


def _store(ctx, sample):
    ctx.setdefault("user", UserFactory())
    return store_upload(_file(sample), uploaded_by=ctx["user"])


def _lab_sample(ctx):
    """A lab user and a sample of theirs waiting for its signed report."""
    from django.contrib.auth.models import Group

    from inspections import labs
    from inspections import services as inspections
    from inspections.models import LabMember
    from tests.factories.inspections import (
        InspectionPlanFactory,
        LabFactory,
        PassFailRequirementFactory,
        PublishedVersionFactory,
    )
    from tests.factories.products import ProductFactory, QualityStandardFactory

    category = CategoryFactory(code="abuse-lab")
    version = PublishedVersionFactory(standard=QualityStandardFactory(category=category))
    PassFailRequirementFactory(version=version, code="PB")
    merchant = MembershipFactory().user.membership.merchant
    merchant.categories.add(category)
    qm = UserFactory(is_staff=True)
    qm.groups.add(Group.objects.get(name="quality_management"))
    inspection = inspections.start_inspection(
        plan=InspectionPlanFactory(merchant=merchant),
        product=ProductFactory(merchant=merchant, category=category),
        lot_size=50,
        batch="ABUSE-LOT",
        by=qm,
    )
    lab = LabFactory()
    lab_user = UserFactory()
    lab_user.groups.add(Group.objects.get(name="lab"))
    LabMember.objects.create(user=lab_user, lab=lab)
    ctx["sample"] = labs.assign_sample(inspection=inspection, lab=lab, by=qm)
    ctx["client"] = _client(lab_user)


def _supplier(ctx):
    from django.contrib.auth.models import Group

    from products.models import Supplier

    qm = UserFactory(is_staff=True)
    qm.groups.add(Group.objects.get(name="quality_management"))
    ctx["supplier"] = Supplier.objects.create(name="Abuse Mills", licence_number="ABUSE-1")
    ctx["client"] = _client(qm)


def _reports() -> int:
    from inspections.models import Sample

    return Sample.objects.exclude(report=None).count()


def _supplier_documents() -> int:
    from products.models import Supplier

    return Supplier.documents.through.objects.count()


ENDPOINTS = [
    Endpoint(
        "core.store_upload",
        prepare=lambda ctx: None,
        send=_store,
        rows=lambda: 0,
        html=False,
    ),
    Endpoint(
        "portal /merchant/documents/",
        prepare=_applicant,
        send=lambda ctx, s: ctx["client"].post(
            "/merchant/documents/", {**_document_fields(), "file": _file(s)}
        ),
        rows=Document.objects.count,
    ),
    Endpoint(
        "API POST /api/v1/merchants/documents/",
        prepare=_applicant,
        send=lambda ctx, s: ctx["client"].post(
            "/api/v1/merchants/documents/", {**_document_fields(), "file": _file(s)}
        ),
        rows=Document.objects.count,
        html=False,
    ),
    Endpoint(
        "portal /merchant/products/new/ images",
        prepare=_seller,
        send=lambda ctx, s: ctx["client"].post(
            "/merchant/products/new/",
            {
                "category": ctx["category"].pk,
                "sku": "ABUSE-1",
                "title": "大红袍",
                "price": "9.90",
                "images": [_file(s)],
            },
        ),
        rows=Product.objects.count,
    ),
    # The products API takes no images (ProductWriteSerializer): nothing to add here.
    Endpoint(
        "API POST /api/v1/lab-samples/<code>/report/",
        prepare=_lab_sample,
        send=lambda ctx, s: ctx["client"].post(
            f"/api/v1/lab-samples/{ctx['sample'].code}/report/", {"report": _file(s)}
        ),
        rows=_reports,
        html=False,
    ),
    Endpoint(
        "staff /staff/suppliers/<pk>/ document",
        prepare=_supplier,
        send=lambda ctx, s: ctx["client"].post(
            f"/staff/suppliers/{ctx['supplier'].pk}/",
            {"action": "document", "file": _file(s)},
            follow=True,
        ),
        rows=_supplier_documents,
    ),
    Endpoint(
        "portal /merchant/categories/ test report",
        prepare=_expanding_seller,
        send=lambda ctx, s: ctx["client"].post("/merchant/categories/", _category_request(ctx, s)),
        rows=CategoryRequest.objects.count,
    ),
    Endpoint(
        "API POST /api/v1/merchants/category-requests/",
        prepare=_expanding_seller,
        send=lambda ctx, s: ctx["client"].post(
            "/api/v1/merchants/category-requests/", _category_request(ctx, s)
        ),
        rows=CategoryRequest.objects.count,
        html=False,
    ),
]


def _stored_files(settings):
    root = settings.PRIVATE_MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _expected_error(sample: Sample) -> str:
    with translation.override(LANGUAGE):
        try:
            validate_upload(_file(sample))
        except ValidationError as exc:
            return exc.messages[0]
    raise AssertionError(f"{sample.key} passes validate_upload")


def _expected_errors(sample: Sample) -> set[str]:
    """What the visitor may read: our reason for the file as sent, or for the file as
    Django hands it over (non-printable name characters dropped), or Django's own
    translated "empty file" message for an empty upload in a form."""
    as_parsed = Sample(
        sample.key,
        "".join(ch for ch in sample.name if ch.isprintable()),
        sample.content,
        sample.content_type,
    )
    messages = {_expected_error(sample), _expected_error(as_parsed)}
    if not sample.content:
        with translation.override(LANGUAGE):
            messages.add(str(forms.FileField.default_error_messages["empty"]))
    return messages


def _refusal_problem(endpoint, sample, outcome, messages) -> str | None:
    if isinstance(outcome, ValidationError):
        return None if messages & set(outcome.messages) else f"other error {outcome.messages}"
    if outcome is None or isinstance(outcome, Upload):
        return "accepted"
    status = outcome.status_code
    if status >= 500:
        return f"server error {status}"
    if status in (200, 400, 413) and not (200 <= status < 300 and not endpoint.html):
        body = outcome.content.decode()
        for message in messages:
            shown = html.escape(message) if endpoint.html else json.dumps(message)[1:-1]
            if shown in body or message in body:
                return None
        return f"{status} without the translated error {messages!r}: {body[:300]!r}"
    return f"not refused: {status}"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_every_hostile_file_is_refused_and_nothing_is_stored(endpoint, settings):
    ctx: dict = {}
    endpoint.prepare(ctx)
    rows_before, uploads_before = endpoint.rows(), Upload.objects.count()
    disk_before = set(_stored_files(settings))  # e.g. a seller's accepted test reports
    problems = {}
    for sample in CORPUS:
        messages = _expected_errors(sample)
        with translation.override(LANGUAGE):
            try:
                outcome = endpoint.send(ctx, sample)
            except ValidationError as exc:
                outcome = exc
        problem = _refusal_problem(endpoint, sample, outcome, messages)
        if problem:
            problems[sample.key] = problem
    stored = Upload.objects.count() - uploads_before
    on_disk = sorted(set(_stored_files(settings)) - disk_before)
    print(
        f"\nupload abuse: {endpoint.name}: {len(CORPUS)} files tried, "
        f"{len(CORPUS) - len(problems)} refused, {stored} stored, {len(on_disk)} on disk"
    )
    for key, problem in problems.items():
        print(f"  {key}: {problem[:400]}")
    assert problems == {}
    assert stored == 0
    assert on_disk == []
    assert endpoint.rows() == rows_before


def test_the_matrix_covers_every_corpus_file_on_every_endpoint():
    keys = [sample.key for sample in CORPUS]
    assert len(keys) == len(set(keys)) >= 29
    assert len(ENDPOINTS) >= 4


def test_errors_are_translated_not_raw_english():
    for sample in CORPUS:
        chinese = _expected_error(sample)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese), (sample.key, chinese)


@pytest.mark.parametrize("sample", hostile_names(), ids=lambda s: s.key)
def test_store_upload_keeps_a_disguising_name_only_as_a_cleaned_display_name(db, sample):
    upload = store_upload(_file(sample), uploaded_by=UserFactory())
    assert upload.original_name.isprintable()
    assert not any(
        0x202A <= ord(ch) <= 0x202E or 0x2066 <= ord(ch) <= 0x2069 for ch in upload.original_name
    )
    assert upload.file.name != sample.name and "fdp" not in upload.file.name


@pytest.mark.parametrize("sample", hostile_names(), ids=lambda s: s.key)
def test_over_http_a_disguising_name_arrives_neutralised(client, settings, sample):
    owner, merchant, _category = signed_up(n=78)
    client.force_login(owner)
    response = client.post("/merchant/documents/", {**_document_fields(), "file": _file(sample)})
    assert response.status_code == 302
    name = Document.objects.get(merchant=merchant).file.original_name
    assert name.isprintable()
    assert not any(0x202A <= ord(ch) <= 0x202E or 0x2066 <= ord(ch) <= 0x2069 for ch in name)


def test_a_traversal_name_on_a_valid_file_never_leaves_private_storage(db, settings):
    """Django keeps only the last path component; storage uses a random key anyway."""
    upload = store_upload(files.upload("../../etc/passwd.pdf", files.pdf_bytes()))
    upload_backslash = store_upload(files.upload("..\\..\\boot.ini.pdf", files.pdf_bytes()))
    root = settings.PRIVATE_MEDIA_ROOT.resolve()
    for stored in (upload, upload_backslash):
        path = (root / stored.file.name).resolve()
        assert root in path.parents
        assert ".." not in stored.file.name and "passwd" not in stored.file.name
    assert upload.original_name == "passwd.pdf"
    assert upload_backslash.original_name == "boot.ini.pdf"
