"""Email intake: a Maildir folder or an mbox file becomes cases (order number matched to a
purchase) and mail to triage; reading it twice adds nothing; attachments go through the
upload checks, refused ones are noted and never stored."""

import mailbox
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.core import mail as outbox
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from complaints import mail as ingestion
from complaints.models import Case, InboundMail
from core.models import Upload
from tests import files
from tests.factories.reviews import PurchaseFactory

pytestmark = pytest.mark.django_db


def message(
    *,
    message_id,
    subject,
    body,
    sender="Li Na <li@example.test>",
    attachments=(),
    sent=None,
):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "complaints@platform.test"
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(sent or timezone.now() - timedelta(hours=2))
    msg.set_content(body)
    for name, data, maintype, subtype in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


@pytest.fixture
def purchase():
    return PurchaseFactory(order_number="SO-20261101-0042")


@pytest.fixture
def messages(purchase):
    return [
        message(
            message_id="<m1@mail.example>",
            subject=f"Broken kettle, order {purchase.order_number}",
            body="It leaks from the bottom. Photo attached.",
            attachments=[
                ("leak.png", files.png_bytes(), "image", "png"),
                ("setup.exe", files.ELF_HEADER, "application", "octet-stream"),
            ],
        ),
        message(
            message_id="<m2@mail.example>",
            subject="投诉",
            body="我的订单号\uff1aUNKNOWN-12345\uff0c商品有质量问题。",
            sender="王芳 <wang@example.test>",
        ),
        message(
            message_id="",  # no Message-ID: the content digest stands in for it
            subject="Hello",
            body="Where is my parcel?",
            sender="anon@example.test",
        ),
    ]


def make_maildir(path, msgs):
    box = mailbox.Maildir(path, create=True)
    for msg in msgs:
        box.add(msg)
    box.close()
    return f"maildir://{path}"


def make_mbox(path, msgs):
    box = mailbox.mbox(path, create=True)
    for msg in msgs:
        box.add(msg)
    box.flush()
    box.close()
    return f"mbox://{path}"


@pytest.mark.parametrize("make", [make_maildir, make_mbox], ids=["maildir", "mbox"])
def test_a_mailbox_read_twice_stores_each_message_once(
    tmp_path, messages, purchase, make, django_capture_on_commit_callbacks
):
    url = make(tmp_path / "box", messages)
    with django_capture_on_commit_callbacks(execute=True):
        first = ingestion.ingest(url)
    assert (first.read, first.stored, first.cases, first.needs_triage) == (3, 3, 1, 2)
    assert first.refused_attachments == 1
    counts = (InboundMail.objects.count(), Case.objects.count(), Upload.objects.count())

    second = ingestion.ingest(url)
    assert (second.read, second.stored, second.duplicates) == (3, 0, 3)
    assert (InboundMail.objects.count(), Case.objects.count(), Upload.objects.count()) == counts

    matched = InboundMail.objects.get(message_id="<m1@mail.example>")
    case = matched.case
    assert matched.status == InboundMail.Status.CASE_OPENED
    assert case.channel == Case.Channel.EMAIL
    assert (case.merchant, case.product) == (purchase.merchant, purchase.product)
    assert case.delivered_at == purchase.delivered_at
    assert case.order_number == purchase.order_number
    assert case.consumer_email == "li@example.test" and case.consumer_name == "Li Na"
    assert "It leaks from the bottom." in case.description
    # The clocks start when the consumer wrote, not when the mailbox was read.
    assert case.created_at < timezone.now() - timedelta(hours=1)
    assert [u.original_name for u in case.messages.get().attachments.all()] == ["leak.png"]
    assert matched.refused_attachments[0]["name"] == "setup.exe"
    assert "PNG" in matched.refused_attachments[0]["reason"]  # the upload check's words
    # The consumer gets their tracking link by email.
    assert [m.to for m in outbox.outbox] == [["li@example.test"]]
    assert "/complaints/case/" in outbox.outbox[0].body

    unmatched = InboundMail.objects.get(message_id="<m2@mail.example>")
    assert unmatched.status == InboundMail.Status.NEEDS_TRIAGE
    assert unmatched.order_number == "UNKNOWN-12345"
    assert unmatched.why_unmatched == "no_purchase"
    with translation.override("en"):
        assert (
            unmatched.get_why_unmatched_display() == "No purchase with order number UNKNOWN-12345."
        )
    assert unmatched.from_name == "王芳"
    digest = InboundMail.objects.get(subject="Hello")
    assert digest.message_id.startswith("<sha256-")
    assert digest.why_unmatched == "no_order_number"


def test_the_same_message_in_two_mailboxes_is_one_mail(tmp_path, messages):
    ingestion.ingest(make_maildir(tmp_path / "a", messages[1:2]))
    result = ingestion.ingest(make_mbox(tmp_path / "b", messages[1:2]))
    assert result.duplicates == 1
    assert InboundMail.objects.count() == 1


def test_a_claimed_message_id_is_refused_by_the_constraint_not_a_lookup(tmp_path, messages):
    """Two runs racing: the second insert of a Message-ID hits the unique constraint and
    the message is skipped whole (no second case, no stored attachments)."""
    data = bytes(messages[0])
    assert ingestion.store_message(data) is not None
    uploads = Upload.objects.count()
    assert ingestion.store_message(data) is None
    assert Upload.objects.count() == uploads and Case.objects.count() == 1


def test_a_message_that_fails_leaves_nothing_and_the_rest_go_on(tmp_path, messages, monkeypatch):
    def broken(mail, parsed):
        raise RuntimeError("boom")

    url = make_maildir(tmp_path / "box", messages[:2])
    monkeypatch.setattr(ingestion, "_try_open_case", broken)
    result = ingestion.ingest(url)
    assert len(result.failed) == 2 and result.stored == 0
    assert not InboundMail.objects.exists() and not Upload.objects.exists()
    assert not [p for p in (tmp_path / "private").rglob("*") if p.is_file()]
    monkeypatch.undo()
    assert ingestion.ingest(url).stored == 2  # nothing half-stored blocks a retry


def test_html_only_mail_is_read_as_text(tmp_path):
    msg = EmailMessage()
    msg["From"] = "li@example.test"
    msg["Subject"] = "Complaint"
    msg["Message-ID"] = "<html@mail.example>"
    msg.set_content("<p>My <b>order</b> never came.</p>", subtype="html")
    ingestion.ingest(make_mbox(tmp_path / "box", [msg]))
    assert InboundMail.objects.get().body == "My order never came."


def test_the_command_reads_the_configured_mailbox_and_refuses_a_bad_url(
    tmp_path, messages, settings, capsys
):
    settings.COMPLAINTS_MAILBOX = make_maildir(tmp_path / "box", messages)
    call_command("ingest_complaint_mail")
    assert "stored 3 (1 cases, 2 to triage)" in capsys.readouterr().out
    call_command("ingest_complaint_mail")
    assert "3 already stored" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("ingest_complaint_mail", mailbox="ftp://example.test/box")
    with pytest.raises(CommandError):
        call_command("ingest_complaint_mail", mailbox=f"maildir://{tmp_path / 'missing'}")


def test_the_periodic_task_calls_the_same_ingestion(tmp_path, messages, settings):
    from complaints.tasks import ingest_mailbox

    settings.COMPLAINTS_MAILBOX = ""
    assert ingest_mailbox() == 0
    settings.COMPLAINTS_MAILBOX = make_mbox(tmp_path / "box", messages)
    assert ingest_mailbox() == 3
    assert ingest_mailbox() == 0


def test_an_imap_url_keeps_its_password_out_of_what_is_stored():
    url = "imaps://intake:s3cret@mail.example.test/Complaints"
    assert ingestion.describe(url) == "imaps://intake@mail.example.test/Complaints"
    folder = ingestion.open_mailbox(url)
    assert (folder.host, folder.port, folder.folder) == ("mail.example.test", 993, "Complaints")
    assert (folder.user, folder.password) == ("intake", "s3cret")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Order SO-20261101-0042 broke", "SO-20261101-0042"),
        ("order no. A12345", "A12345"),
        ("Order number: 2026110100042", "2026110100042"),
        ("订单号\uff1a88001234", "88001234"),
        ("订单编号 CN-7788", "CN-7788"),
        ("my order arrived broken", None),
    ],
)
def test_order_numbers_are_found_in_english_and_chinese(text, found):
    match = ingestion.ORDER_NUMBER.search(text)
    assert (match.group(1) if match else None) == found


class FakeImap:
    """Just enough of imaplib.IMAP4_SSL: UID SEARCH UNSEEN, FETCH BODY.PEEK[], STORE."""

    boxes: dict = {}

    def __init__(self, host, port, timeout=None):
        self.box = self.boxes[host]

    def login(self, user, password):
        assert (user, password) == ("intake", "p@ss")
        return "OK", [b""]

    def select(self, folder):
        assert folder == '"Complaints"'
        return "OK", [str(len(self.box)).encode()]

    def uid(self, command, *args):
        if command == "SEARCH":
            unseen = [uid for uid, (_, seen) in self.box.items() if not seen]
            return "OK", [b" ".join(unseen)]
        if command == "FETCH":
            assert args[1] == "(BODY.PEEK[])"
            return "OK", [(b"1 (UID 1 BODY[] {n}", self.box[args[0]][0]), b")"]
        if command == "STORE":
            data, _ = self.box[args[0]]
            self.box[args[0]] = (data, True)
            return "OK", [b""]
        raise AssertionError(command)

    def logout(self):
        return "BYE", [b""]


def test_imap_messages_are_flagged_seen_only_once_stored(messages, monkeypatch):
    FakeImap.boxes = {"mail.example.test": {b"1": (bytes(messages[0]), False)}}
    box = FakeImap.boxes["mail.example.test"]
    box[b"2"] = (bytes(messages[1]), False)
    monkeypatch.setattr(ingestion.imaplib, "IMAP4_SSL", FakeImap)
    url = "imaps://intake:p%40ss@mail.example.test/Complaints"

    original = ingestion.store_message

    def fail_second(data, **kwargs):
        if data == box[b"2"][0]:
            raise RuntimeError("database went away")
        return original(data, **kwargs)

    monkeypatch.setattr(ingestion, "store_message", fail_second)
    result = ingestion.ingest(url)
    assert (result.stored, len(result.failed)) == (1, 1)
    assert box[b"1"][1] is True and box[b"2"][1] is False  # the failed one stays unseen
    monkeypatch.setattr(ingestion, "store_message", original)
    again = ingestion.ingest(url)
    assert (again.read, again.stored) == (1, 1)
    assert InboundMail.objects.count() == 2
