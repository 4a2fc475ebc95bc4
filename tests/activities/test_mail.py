"""Emails through a real SMTP server (aiosmtpd): delivered once, whatever the retries, whatever
refuses the journal write after the send."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.exc import OperationalError
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.mail import MailActivities
from activities.smtp import message_id_for
from config.settings import Settings
from embedded.smtp_outbox import OutboxSMTPServer, free_port
from models.documents import DocumentRef
from models.mail import EmailRequest
from storage.database import Database
from storage.journal import find_event
from support.typography import NBSP, typeset_text
from tests.fixtures.smtp import read_messages

PDF = b"%PDF-1.4\n% a letter\n%%EOF\n"


def attachment(tmp_path: Path, content: bytes = PDF) -> DocumentRef:
    path = tmp_path / "formal_notice.red.pdf"
    path.write_bytes(content)
    return DocumentRef(path=str(path), sha256=hashlib.sha256(content).hexdigest())


def request(tmp_path: Path) -> EmailRequest:
    return EmailRequest(
        case_id="invoice-123456782-F-1",
        step_key="formal_notice",
        to="factures@batiments-martin.fr",
        subject="Mise en demeure de payer : facture n° F-1",
        body="Madame, Monsieur,\n\nVous trouverez ci-joint la mise en demeure.\n",
        attachments=[attachment(tmp_path)],
    )


def mail(server: OutboxSMTPServer, database: Database, tmp_path: Path) -> MailActivities:
    settings = Settings(data_dir=tmp_path / "var", smtp_port=server.port, smtp_sender="relance@dupont.fr")
    return MailActivities(settings, database)


async def test_the_mail_arrives_whole(
    smtp_outbox: OutboxSMTPServer, sqlite_database: Database, tmp_path: Path
) -> None:
    sent = request(tmp_path)
    receipt = await mail(smtp_outbox, sqlite_database, tmp_path).send_email(sent)

    [message] = read_messages(smtp_outbox)
    assert message["To"] == sent.to
    assert message["Subject"] == sent.subject
    assert message["Message-ID"] == receipt.message_id == "<formal_notice.invoice-123456782-F-1@dupont.fr>"
    assert "ci-joint la mise en demeure" in message.get_body(("plain",)).get_content()
    [pdf] = list(message.iter_attachments())
    assert pdf.get_filename() == "formal_notice.red.pdf"
    assert pdf.get_content() == PDF
    event = await find_event(sqlite_database, f"email:{receipt.message_id}")
    assert event is not None and event.kind == "email_sent"
    assert event.document_sha256 == sent.attachments[0].sha256


@pytest.mark.parametrize(
    "subject",
    [
        # Python's own folding lost the space between "arrivée" and "à" here.
        "Rappel : facture n° FA-2026-0042 arrivée à échéance le 1er mars 2026",
        "Recouvrement amiable pour le compte d'Hôtel du Port : facture n° F-2026-000123",
        "Réclamation des pénalités de retard : facture n° F-2026-000123456 « dernier rappel » ? "
        "Réglez sans tarder ! Merci ; l'équipe",
    ],
)
async def test_the_subject_reads_back_as_typeset(
    subject: str, smtp_outbox: OutboxSMTPServer, sqlite_database: Database, tmp_path: Path
) -> None:
    typeset = typeset_text(subject)
    assert NBSP in typeset  # before the colon, and inside « »
    sent = request(tmp_path).model_copy(update={"subject": typeset})
    await mail(smtp_outbox, sqlite_database, tmp_path).send_email(sent)

    [message] = read_messages(smtp_outbox)
    assert message["Subject"] == typeset
    [raw] = smtp_outbox.messages()
    headers = raw.read_bytes().split(b"\r\n\r\n")[0].split(b"\r\n")
    assert all(len(line) <= 78 for line in headers)


async def test_the_debtor_answers_the_creditor(
    smtp_outbox: OutboxSMTPServer, sqlite_database: Database, tmp_path: Path
) -> None:
    sent = request(tmp_path).model_copy(update={"reply_to": "compta@dupont-renovation.fr"})
    await mail(smtp_outbox, sqlite_database, tmp_path).send_email(sent)

    [message] = read_messages(smtp_outbox)
    assert message["From"] == "relance@dupont.fr"
    assert message["Reply-To"] == "compta@dupont-renovation.fr"


async def test_each_attachment_goes_with_the_type_of_its_file(
    smtp_outbox: OutboxSMTPServer, sqlite_database: Database, tmp_path: Path
) -> None:
    # A filing dossier: its request (PDF), its manifest and history export (JSON), an unknown file.
    files = {
        "demande_petites_creances.pdf": PDF,
        "manifest.json": b'{"files": []}',
        "history.json": b'{"events": []}',
        "README": b"no extension",
    }
    refs = []
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
        refs.append(DocumentRef(path=str(tmp_path / name), sha256=hashlib.sha256(content).hexdigest()))
    sent = request(tmp_path).model_copy(update={"attachments": refs})
    await mail(smtp_outbox, sqlite_database, tmp_path).send_email(sent)

    [message] = read_messages(smtp_outbox)
    received = {part.get_filename(): part for part in message.iter_attachments()}
    assert {name: part.get_content_type() for name, part in received.items()} == {
        "demande_petites_creances.pdf": "application/pdf",
        "manifest.json": "application/json",
        "history.json": "application/json",
        "README": "application/octet-stream",
    }
    assert {name: part.get_payload(decode=True) for name, part in received.items()} == files


async def test_a_second_attempt_sends_nothing(
    smtp_outbox: OutboxSMTPServer, sqlite_database: Database, tmp_path: Path
) -> None:
    activities = mail(smtp_outbox, sqlite_database, tmp_path)
    first = await activities.send_email(request(tmp_path))
    again = await activities.send_email(request(tmp_path))

    assert len(read_messages(smtp_outbox)) == 1
    assert not first.duplicate and again.duplicate
    assert again.message_id == first.message_id


async def test_a_retry_after_a_temporary_refusal_delivers_once(
    sqlite_database: Database, tmp_path: Path
) -> None:
    with OutboxSMTPServer(tmp_path / "outbox", port=0, fail_first=1) as server:
        activities = mail(server, sqlite_database, tmp_path)
        with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
            await activities.send_email(request(tmp_path))
        assert refused.value.code == 451  # temporary: the activity fails and Temporal retries
        assert read_messages(server) == []

        await activities.send_email(request(tmp_path))
        await activities.send_email(request(tmp_path))
        assert len(read_messages(server)) == 1


async def test_a_changed_attachment_is_never_sent(
    smtp_outbox: OutboxSMTPServer, sqlite_database: Database, tmp_path: Path
) -> None:
    sent = request(tmp_path)
    Path(sent.attachments[0].path).write_bytes(PDF + b"tampered")
    with pytest.raises(ApplicationError) as refused:
        await mail(smtp_outbox, sqlite_database, tmp_path).send_email(sent)
    assert refused.value.non_retryable
    assert read_messages(smtp_outbox) == []


async def test_an_unreachable_server_is_a_retryable_failure(
    sqlite_database: Database, tmp_path: Path
) -> None:
    with OutboxSMTPServer(tmp_path / "outbox", port=0) as server:
        port = server.port
    activities = MailActivities(
        Settings(data_dir=tmp_path, smtp_port=port, smtp_timeout_seconds=2), sqlite_database
    )
    with pytest.raises(aiosmtplib.SMTPException):
        await activities.send_email(request(tmp_path))
    assert (
        await find_event(
            sqlite_database,
            "email:" + message_id_for("invoice-123456782-F-1", "formal_notice", "relance@localhost"),
        )
        is None
    )


def test_the_message_id_takes_the_sender_domain_whatever_its_form() -> None:
    plain = message_id_for("invoice-123456782-F/1", "first_reminder", "relance@dupont.fr")
    named = message_id_for("invoice-123456782-F/1", "first_reminder", "Relance <relance@dupont.fr>")
    assert plain == named == "<first_reminder.invoice-123456782-F_1@dupont.fr>"


async def test_a_missing_attachment_is_never_retried(
    smtp_outbox: OutboxSMTPServer, sqlite_database: Database, tmp_path: Path
) -> None:
    sent = request(tmp_path)
    Path(sent.attachments[0].path).unlink()
    with pytest.raises(ApplicationError) as refused:
        await mail(smtp_outbox, sqlite_database, tmp_path).send_email(sent)
    assert refused.value.non_retryable and refused.value.type == "DocumentChanged"
    assert read_messages(smtp_outbox) == []


class PickyRelay:
    """A real SMTP server that answers RCPT and DATA as told, and keeps nothing."""

    def __init__(self, rcpt_answer: str, data_answer: str = "250 OK") -> None:
        self.rcpt_answer = rcpt_answer
        self.data_answer = data_answer

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_answer.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.rcpt_answer

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return self.data_answer


@contextmanager
def picky_relay(relay: PickyRelay) -> Iterator[int]:
    controller = Controller(relay, hostname="127.0.0.1", port=free_port("127.0.0.1"))
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@pytest.mark.parametrize(
    ("relay", "reason"),
    [
        pytest.param(PickyRelay("550 5.1.1 no such mailbox"), "no such mailbox", id="rcpt-550"),
        pytest.param(PickyRelay("250 OK", data_answer="554 5.7.1 refused as spam"), "spam", id="data-554"),
    ],
)
async def test_a_permanent_refusal_stops_the_retries(
    relay: PickyRelay, reason: str, sqlite_database: Database, tmp_path: Path
) -> None:
    with picky_relay(relay) as port:
        activities = MailActivities(Settings(data_dir=tmp_path, smtp_port=port), sqlite_database)
        with pytest.raises(ApplicationError) as refused:
            await activities.send_email(request(tmp_path))
    assert refused.value.non_retryable and refused.value.type == "EmailRejected"
    assert reason in str(refused.value)
    message_id = message_id_for("invoice-123456782-F-1", "formal_notice", "relance@localhost")
    assert await find_event(sqlite_database, f"email:{message_id}") is None


async def test_a_greylisted_recipient_is_retried(sqlite_database: Database, tmp_path: Path) -> None:
    with picky_relay(PickyRelay("450 4.2.0 greylisted, come back later")) as port:
        activities = MailActivities(Settings(data_dir=tmp_path, smtp_port=port), sqlite_database)
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
            await activities.send_email(request(tmp_path))
    # A plain exception, not a non-retryable ApplicationError: Temporal tries again later.
    assert [recipient.code for recipient in refused.value.recipients] == [450]


@contextmanager
def journal_locked(database_file: Path) -> Iterator[sqlite3.Connection]:
    """Another connection holding SQLite's write lock (as a long transaction of another process
    does) until the block ends or the test rolls it back; readers still read."""
    connection = sqlite3.connect(database_file, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    finally:
        if connection.in_transaction:
            connection.rollback()
        connection.close()


@pytest.fixture
async def impatient_database(tmp_path: Path) -> AsyncIterator[Database]:
    """A SQLite database whose writers give up after 0.2 s of waiting for the write lock, so that
    a lock held past the busy timeout fails the journal write quickly."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'relance.db'}", busy_timeout_seconds=0.2)
    await database.migrate()
    yield database
    await database.dispose()


def message_ids(server: OutboxSMTPServer) -> list[str]:
    return [str(message["Message-ID"]) for message in read_messages(server)]


async def test_a_journal_locked_after_the_send_leaves_one_mail_and_the_retry_completes_it(
    smtp_outbox: OutboxSMTPServer, impatient_database: Database, tmp_path: Path
) -> None:
    activities = mail(smtp_outbox, impatient_database, tmp_path)
    with journal_locked(tmp_path / "relance.db"), pytest.raises(OperationalError, match="locked"):
        await activities.send_email(request(tmp_path))
    [message_id] = message_ids(smtp_outbox)
    assert await find_event(impatient_database, f"email:{message_id}") is None

    # The retry, here by a worker started afresh on the same data folder.
    retry = await mail(smtp_outbox, impatient_database, tmp_path).send_email(request(tmp_path))

    assert message_ids(smtp_outbox) == [message_id]
    assert retry.duplicate and retry.message_id == message_id
    event = await find_event(impatient_database, f"email:{message_id}")
    assert event is not None and event.kind == "email_sent" and event.occurred_at == retry.sent_at
    # The line says when the server accepted the mail, not when the journal could take it.
    [received] = smtp_outbox.messages()
    assert abs(received.stat().st_mtime - retry.sent_at.timestamp()) < 2


class ReleasedOnRefusal(logging.Handler):
    """Rolls the lock back when the activity says the journal refused its write."""

    def __init__(self, lock: sqlite3.Connection) -> None:
        super().__init__(logging.WARNING)
        self.journal_lock = lock
        self.refusals = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "refused" in record.getMessage():
            self.refusals += 1
            self.journal_lock.rollback()


async def test_a_journal_locked_for_a_moment_is_written_by_the_same_attempt(
    smtp_outbox: OutboxSMTPServer, impatient_database: Database, tmp_path: Path
) -> None:
    activity_log = logging.getLogger("temporalio.activity")
    with journal_locked(tmp_path / "relance.db") as lock:
        release = ReleasedOnRefusal(lock)
        activity_log.addHandler(release)
        try:
            receipt = await mail(smtp_outbox, impatient_database, tmp_path).send_email(request(tmp_path))
        finally:
            activity_log.removeHandler(release)

    assert release.refusals == 1
    assert not receipt.duplicate
    assert message_ids(smtp_outbox) == [receipt.message_id]
    assert await find_event(impatient_database, f"email:{receipt.message_id}") is not None


async def test_a_retry_told_by_the_heartbeat_sends_nothing_on_another_machine(
    smtp_outbox: OutboxSMTPServer, impatient_database: Database, tmp_path: Path
) -> None:
    # The first attempt runs on one machine: the server accepts the mail, the journal refuses it.
    first = ActivityEnvironment()
    heartbeats: list[tuple[Any, ...]] = []
    first.on_heartbeat = lambda *details: heartbeats.append(details)
    one_machine = mail(smtp_outbox, impatient_database, tmp_path / "machine-1")
    with journal_locked(tmp_path / "relance.db"), pytest.raises(OperationalError):
        await first.run(one_machine.send_email, request(tmp_path))
    assert len(read_messages(smtp_outbox)) == 1 and heartbeats

    # The retry runs on another machine, whose data folder never saw the send: Temporal hands it
    # the first attempt's last heartbeat.
    retry = ActivityEnvironment()
    retry.info = dataclasses.replace(retry.info, attempt=2, heartbeat_details=list(heartbeats[-1]))
    other_machine = mail(smtp_outbox, impatient_database, tmp_path / "machine-2")
    receipt = await retry.run(other_machine.send_email, request(tmp_path))

    assert receipt.duplicate
    assert message_ids(smtp_outbox) == [receipt.message_id]
    assert await find_event(impatient_database, f"email:{receipt.message_id}") is not None


async def test_attempts_at_once_send_one_mail(
    smtp_outbox: OutboxSMTPServer, sqlite_database: Database, tmp_path: Path
) -> None:
    # An attempt timed out while still running, and its retry on the same worker.
    activities = mail(smtp_outbox, sqlite_database, tmp_path)
    receipts = await asyncio.gather(*(activities.send_email(request(tmp_path)) for _ in range(3)))

    assert len(read_messages(smtp_outbox)) == 1
    assert sorted(receipt.duplicate for receipt in receipts) == [False, True, True]
    assert len({receipt.sent_at for receipt in receipts}) == 1


async def test_nothing_is_left_in_the_data_folder_once_journaled(
    smtp_outbox: OutboxSMTPServer, sqlite_database: Database, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "var", smtp_port=smtp_outbox.port)
    await MailActivities(settings, sqlite_database).send_email(request(tmp_path))
    assert list(settings.sent_mail_dir.iterdir()) == []
