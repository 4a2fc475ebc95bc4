"""Mail: the activities sending emails through SMTP (``activities.smtp``) and registered letters
through the registered-mail provider (``activities.registered_mail``), and asking what became of
the letters.

Both are idempotent: before sending, the journal is asked whether this very mail (same case, same
step) already went out; a retried activity then returns the first receipt and sends nothing. A
registered letter's delivery is asked of its provider as often as needed; each delivery event enters
the journal once.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.registered_mail import registered_mail_provider
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

# The detail of a registered_letter_posted event starts with what a retry must give back.
_POSTED_DETAIL = re.compile(r"^provider=(?P<provider>\S+) tracking=(?P<tracking>\S+)")


class MailActivities:
    def __init__(self, settings: Settings, database: Database) -> None:
        self._settings = settings
        self._database = database

    @activity.defn
    async def send_email(self, request: EmailRequest) -> EmailReceipt:
        settings = self._settings
        message_id = message_id_for(request.case_id, request.step_key, settings.smtp_sender)
        key = f"email:{message_id}"
        sent = await find_event(self._database, key)
        if sent is not None:
            return EmailReceipt(message_id=message_id, sent_at=sent.occurred_at, duplicate=True)

        attachments = [(Path(item.path).name, _verified_bytes(item)) for item in request.attachments]
        message = email_message(request, settings.smtp_sender, message_id, attachments)
        await send_message(message, settings, request.to)

        sent_at = datetime.now(UTC)
        # The one window left: a crash after the server accepted the mail and before this line.
        # The Message-ID is stable, so a duplicate that slipped through there is recognisable.
        await append_event(
            self._database,
            CaseEventRecord(
                case_id=request.case_id,
                kind="email_sent",
                actor="relance",
                occurred_at=sent_at,
                detail=f"to {request.to}: {request.subject}",
                idempotency_key=key,
                step_key=request.step_key,
                document_sha256=request.attachments[0].sha256 if request.attachments else None,
            ),
        )
        return EmailReceipt(message_id=message_id, sent_at=sent_at)

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
        for event in status.events:
            proof = f" proof={Path(event.proof.path).name}" if event.proof else ""
            await append_event(
                self._database,
                CaseEventRecord(
                    case_id=request.case_id,
                    kind=f"delivery_{event.kind}",
                    actor="relance",
                    occurred_at=event.at,
                    detail=f"provider={status.provider} tracking={status.tracking_id}{proof}",
                    idempotency_key=f"delivery:{request.case_id}/{request.step_key}/{event.kind}",
                    step_key=request.step_key,
                    document_sha256=event.proof.sha256 if event.proof else None,
                ),
            )
        return status


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
