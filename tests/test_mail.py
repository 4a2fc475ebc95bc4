"""Emails through a real SMTP server (aiosmtpd): delivered once, whatever the retries."""

from __future__ import annotations

import hashlib
from pathlib import Path

import aiosmtplib
import pytest
from temporalio.exceptions import ApplicationError

from activities.mail import MailActivities, message_id_for
from config.settings import Settings
from embedded.smtp_outbox import OutboxSMTPServer
from models.case import DocumentRef, EmailRequest
from models.database import Database
from models.journal import find_event
from tests.smtp_fixtures import read_messages

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
