"""Emails as the SMTP server gets them: one Message-ID per case and step (the same mail always
carries the same id), attachments typed from their file names, and the send, where only a
permanent refusal of the mail fails for good."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import aiosmtplib
from temporalio.exceptions import ApplicationError

from config.settings import Settings
from models.mail import EmailRequest

_UNSAFE_ID = re.compile(r"[^A-Za-z0-9._~-]")
# Python's own table of MIME types, without the host's (/etc/mime.types): an attachment goes as the
# same type from every machine.
_MIME_TYPES = mimetypes.MimeTypes()


def message_id_for(case_id: str, step_key: str, sender: str) -> str:
    """One Message-ID per case and step: the same mail always carries the same id."""
    domain = _UNSAFE_ID.sub("_", parseaddr(sender)[1].rpartition("@")[2]) or "relance.localhost"
    return f"<{_UNSAFE_ID.sub('_', step_key)}.{_UNSAFE_ID.sub('_', case_id)}@{domain}>"


def attachment_type(file_name: str) -> tuple[str, str]:
    """The MIME type an attachment goes as, guessed from its file name (a letter's ``.pdf``, a
    dossier's ``.json`` manifest or history); an unknown extension goes as plain bytes."""
    guessed, encoding = _MIME_TYPES.guess_type(file_name)
    if guessed is None or encoding is not None:
        # A compressed file (``.json.gz``) is bytes to the recipient, not the type it wraps.
        guessed = "application/octet-stream"
    maintype, _, subtype = guessed.partition("/")
    return maintype, subtype


def subject_header(subject: str) -> str:
    """The Subject's value as it goes on the wire, folded so that every mail client reads back
    exactly ``subject``, its no-break spaces (before ``:``, inside « ») included.

    Python's own folding (3.11 to 3.13) splits a French subject into encoded words and plain words
    and, at a fold between them, drops or doubles the space there. Here the whole subject is
    encoded, in words cut inside the text: a reader joins adjacent encoded words without any
    space (RFC 2047, 6.2), so only the subject's own spaces come back. A subject all in ASCII
    folds correctly as it is."""
    if subject.isascii():
        return subject
    return Header(subject, "utf-8", header_name="Subject").encode()


def email_message(
    request: EmailRequest, sender: str, message_id: str, attachments: list[tuple[str, bytes]]
) -> EmailMessage:
    """The mail of ``request`` from ``sender``, dated now, with each attachment (file name, bytes)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = request.to
    if request.reply_to:
        message["Reply-To"] = request.reply_to
    # Stored as folded here: the generator writes a folded value of short lines as it is.
    message.set_raw("Subject", subject_header(request.subject))
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id
    message.set_content(request.body)
    for name, content in attachments:
        maintype, subtype = attachment_type(name)
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message


async def send_message(
    message: EmailMessage, settings: Settings, to: str, on_accepted: Callable[[], None]
) -> None:
    """Hand the mail to the SMTP server of ``settings``, calling ``on_accepted`` the moment the server
    has accepted it, before the conversation ends; ``EmailRejected`` (not retried) when it refuses
    the mail for good."""
    client = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username or None,
        password=settings.smtp_password or None,
        start_tls=settings.smtp_starttls,
        timeout=settings.smtp_timeout_seconds,
    )
    try:
        async with client:
            await client.send_message(message)
            # Before QUIT: whatever becomes of the connection's end, the acceptance is known.
            on_accepted()
    # Only a permanent refusal of this mail stops the retries. Everything else is retried:
    # 4xx answers (greylisting, a busy relay), an unreachable server, and also a refused login
    # or sender, which are configuration problems an operator can fix while the retries go on.
    except aiosmtplib.SMTPRecipientsRefused as error:
        if all(refusal.code >= 500 for refusal in error.recipients):
            raise ApplicationError(
                f"{to} refused by the mail server: "
                + "; ".join(f"{refusal.code} {refusal.message}" for refusal in error.recipients),
                type="EmailRejected",
                non_retryable=True,
            ) from error
        raise
    except aiosmtplib.SMTPDataError as error:
        if error.code >= 500:
            raise ApplicationError(
                f"mail server refused the mail ({error.code}): {error.message}",
                type="EmailRejected",
                non_retryable=True,
            ) from error
        raise
