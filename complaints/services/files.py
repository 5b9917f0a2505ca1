"""Uploaded files stored with a step, all or nothing."""

from __future__ import annotations

from django.db import transaction


def discard_uploads(uploads) -> None:
    """Remove the files of uploads whose rows a rolled-back transaction took away."""
    for upload in uploads:
        upload.file.delete(save=False)


def with_stored_files(files, *, then, by=None):
    """Store the uploaded files (checked by core.uploads) and run `then(uploads)` in one
    transaction: when a file is refused or the step fails, neither rows nor files are kept."""
    stored = []
    try:
        with transaction.atomic():
            stored = _store_all(files, by=by)
            return then(stored)
    except BaseException:
        discard_uploads(stored)
        raise


def _store_all(files, *, by=None) -> list:
    from core.uploads import store_upload

    stored = []
    try:
        for file in files:
            stored.append(store_upload(file, uploaded_by=by))
    except BaseException:
        discard_uploads(stored)
        raise
    return stored
