"""Mail: the activities sending emails through SMTP (``activities.smtp``) and registered letters
through the registered-mail provider (``activities.registered_mail``), and asking what became of
the letters.

Both are idempotent: a retried activity returns the first receipt and sends nothing. A registered
letter's provider is idempotent by the key the journal keeps. An email is recorded as sent the
instant the SMTP server accepts it, in the data folder (``activities.sent_mail``) and in the
attempt's heartbeat, before the journal is written: after a worker killed or a database refusing
the write, the next attempt only completes the journal. A registered letter's delivery is asked of
its provider as often as needed; each delivery event enters the journal once.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import heartbeats
from activities.registered_mail import registered_mail_provider
from activities.sent_mail import SentMail
from activities.smtp import email_message, message_id_for, send_message
from config.settings import Settings
from models.documents import DocumentRef
from models.ledger import CaseEventRecord
from models.mail import (
    DeliveryStatus,
    EmailReceipt,
    EmailRequest,
    RegisteredLetterReceipt,
    RegisteredLetterRequest,
    RegisteredStatusRequest,
)
from storage.database import Database
from storage.journal import append_event, find_event

# The journal write after a send: tried this many times, pausing a little longer each time. With
# SQLite's busy timeout of 30 s, they fit in the mail activity's start-to-close timeout.
JOURNAL_ATTEMPTS = 3
JOURNAL_PAUSE_SECONDS = 1.0
# The detail of a registered_letter_posted event starts with what a retry must give back.
_POSTED_DETAIL = re.compile(r"^provider=(?P<provider>\S+) tracking=(?P<tracking>\S+)")


class MailActivities:
    def __init__(self, settings: Settings, database: Database) -> None:
        self._settings = settings
        self._database = database
        self._sent_mail = SentMail(settings.sent_mail_dir)

    @activity.defn
    async def send_email(self, request: EmailRequest) -> EmailReceipt:
        """Send the email of this case and step once, whatever fails around the send."""
        message_id = message_id_for(request.case_id, request.step_key, self._settings.smtp_sender)
        journaled = await find_event(self._database, _email_key(message_id))
        if journaled is not None:
            self._sent_mail.forget(message_id)  # left by an attempt that died right after the journal
            return EmailReceipt(message_id=message_id, sent_at=journaled.occurred_at, duplicate=True)
        attachments = [(Path(item.path).name, _verified_bytes(item)) for item in request.attachments]
        message = email_message(request, self._settings.smtp_sender, message_id, attachments)
        # Shielded: an attempt cancelled while the server answers (a timeout, the worker stopping)
        # still records what the server said; a retry waits for it on the record's lock.
        sent_at, sent_now = await asyncio.shield(self._send_once(request, message, message_id))
        await _journal_email(self._database, request, message_id, sent_at)
        self._sent_mail.forget(message_id)
        return EmailReceipt(message_id=message_id, sent_at=sent_at, duplicate=not sent_now)

    async def _send_once(
        self, request: EmailRequest, message: EmailMessage, message_id: str
    ) -> tuple[datetime, bool]:
        """When the server accepted the email, and whether this call sent it: an earlier attempt
        that recorded its send (in the data folder, in its heartbeat, in the journal) is not
        repeated, so the server is never asked twice for the same Message-ID.

        The one window left: a worker killed, or the machine losing power, between the server's
        reply and the record's fsync, microseconds later; and a reply lost on the network, which
        SMTP cannot tell from a refusal. The retry then sends again, with the same Message-ID, by
        which the receiving side can recognise the copy."""
        async with self._sent_mail.claim(message_id) as record:
            earlier = record.sent_at() or _reported_sent(message_id)
            if earlier is None:
                # A record found empty may be one recreated after the journal got the send.
                journaled = await find_event(self._database, _email_key(message_id))
                earlier = journaled.occurred_at if journaled is not None else None
            if earlier is not None:
                return earlier, False

            accepted_at: list[datetime] = []

            def accepted() -> None:
                accepted_at.append(datetime.now(UTC))
                # The heartbeat first: it reaches the server even if the disk refuses the record.
                heartbeats.report({"email_sent": message_id, "sent_at": accepted_at[0].isoformat()})
                record.record(accepted_at[0])

            await send_message(message, self._settings, request.to, on_accepted=accepted)
            return accepted_at[0], True

    @activity.defn
    async def send_registered_letter(self, request: RegisteredLetterRequest) -> RegisteredLetterReceipt:
        key = f"registered:{request.case_id}:{request.step_key}"
        posted = await find_event(self._database, key)
        if posted is not None:
            fields = _POSTED_DETAIL.match(posted.detail)
            if fields is None:
                raise ApplicationError(
                    f"journal line {key!r} does not name its tracking id: {posted.detail!r}",
                    type="JournalUnreadable",
                    non_retryable=True,
                )
            return RegisteredLetterReceipt(
                provider=fields["provider"],
                tracking_id=fields["tracking"],
                sent_at=posted.occurred_at,
                duplicate=True,
            )
        for document in (request.document, *request.attachments):
            _verified_bytes(document)
        provider = registered_mail_provider(self._settings)
        # The provider is idempotent by the same key, which covers a crash before the journal write.
        tracking_id = await provider.post(request, key)
        sent_at = datetime.now(UTC)
        await append_event(
            self._database,
            CaseEventRecord(
                case_id=request.case_id,
                kind="registered_letter_posted",
                actor="relance",
                occurred_at=sent_at,
                detail=f"provider={provider.name} tracking={tracking_id} to={request.recipient_name}",
                idempotency_key=key,
                step_key=request.step_key,
                document_sha256=request.document.sha256,
            ),
        )
        return RegisteredLetterReceipt(provider=provider.name, tracking_id=tracking_id, sent_at=sent_at)

    @activity.defn
    async def registered_letter_status(self, request: RegisteredStatusRequest) -> DeliveryStatus:
        """What became of a registered letter, asked of the provider it went through; each delivery
        event goes to the journal once, with its proof's SHA-256 (the proofs of sending and receipt
        a formal notice keeps)."""
        provider = registered_mail_provider(self._settings, request.provider)
        status = await provider.status(request)
        case_id, step_key = request.journal_keys
        for event in status.events:
            proof = f" proof={Path(event.proof.path).name}" if event.proof else ""
            await append_event(
                self._database,
                CaseEventRecord(
                    case_id=case_id,
                    kind=f"delivery_{event.kind}",
                    actor="relance",
                    occurred_at=event.at,
                    detail=f"provider={status.provider} tracking={status.tracking_id}{proof}",
                    idempotency_key=f"delivery:{case_id}/{step_key}/{event.kind}",
                    step_key=step_key,
                    document_sha256=event.proof.sha256 if event.proof else None,
                ),
            )
        return status


def _email_key(message_id: str) -> str:
    return f"email:{message_id}"


def _reported_sent(message_id: str) -> datetime | None:
    """When an earlier attempt's heartbeat said the server accepted this email (a retry on a
    machine that does not share this data folder knows it only this way)."""
    for details in heartbeats.reported_before():
        if isinstance(details, dict) and details.get("email_sent") == message_id:
            return datetime.fromisoformat(details["sent_at"])
    return None


async def _journal_email(
    database: Database, request: EmailRequest, message_id: str, sent_at: datetime
) -> None:
    """The send in the journal, tried again here while the database refuses (locked, unreachable):
    the send itself is recorded already, so a failure here costs only a later attempt."""
    record = CaseEventRecord(
        case_id=request.case_id,
        kind="email_sent",
        actor="relance",
        occurred_at=sent_at,
        detail=f"à {request.to} : {request.subject}",
        idempotency_key=_email_key(message_id),
        step_key=request.step_key,
        document_sha256=request.attachments[0].sha256 if request.attachments else None,
    )
    for attempt in range(1, JOURNAL_ATTEMPTS + 1):
        try:
            await append_event(database, record)
            return
        except (SQLAlchemyError, OSError) as error:
            if attempt == JOURNAL_ATTEMPTS:
                raise
            activity.logger.warning("journal write of %s refused (%s): trying again", message_id, error)
            await asyncio.sleep(JOURNAL_PAUSE_SECONDS * attempt)


def _verified_bytes(document: DocumentRef) -> bytes:
    """The document's bytes, exactly as produced; a missing or altered file is never sent."""
    try:
        content = Path(document.path).read_bytes()
    except FileNotFoundError as error:
        raise ApplicationError(
            f"{document.path} is missing: nothing to send", type="DocumentChanged", non_retryable=True
        ) from error
    if hashlib.sha256(content).hexdigest() != document.sha256:
        raise ApplicationError(
            f"{document.path} changed since it was produced: not sending it",
            type="DocumentChanged",
            non_retryable=True,
        )
    return content
