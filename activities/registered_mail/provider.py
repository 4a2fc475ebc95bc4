"""What every registered-mail provider is: ``post`` sends a letter and returns its tracking id, at
most once per idempotency key; ``status`` tells what happened to it since, each proof stored as
``registered/<case>/<step>/proof-<kind>.pdf`` (``delivery_proof_path``). Also the pieces the
providers share: a proof stored once, a status, a letter unknown, the parties of a letter."""

from __future__ import annotations

import html
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from temporalio.exceptions import ApplicationError

from models.documents import DocumentRef
from models.mail import (
    DeliveryEvent,
    DeliveryEventKind,
    DeliveryStatus,
    RegisteredLetterRequest,
    RegisteredStatusRequest,
)
from support.files import sha256_of, write_atomically


class RegisteredMailProvider(ABC):
    name: str

    @abstractmethod
    async def post(self, letter: RegisteredLetterRequest, idempotency_key: str) -> str:
        """Send the letter; return the provider's tracking id."""

    @abstractmethod
    async def status(self, request: RegisteredStatusRequest) -> DeliveryStatus:
        """What happened to the letter so far, each proof stored at ``delivery_proof_path``."""


def local_tracking_id(prefix: str, idempotency_key: str) -> str:
    """A tracking id given here, the same for the same key: ``prefix`` and 12 hex digits of its hash."""
    return prefix + sha256_of(idempotency_key.encode())[:12].upper()


def delivery_proof_path(folder: Path, case_id: str, step_key: str, kind: DeliveryEventKind) -> Path:
    """Where the proof of one delivery event of a case's letter is kept, whatever the provider."""
    return folder / case_id / step_key / f"proof-{kind}.pdf"


def store_proof(path: Path, content: bytes) -> DocumentRef:
    """Keep a proof at ``path``, written only when the bytes there differ."""
    sha256 = sha256_of(content)
    if not (path.is_file() and sha256_of(path.read_bytes()) == sha256):
        write_atomically(path, content)
    return DocumentRef(path=str(path), sha256=sha256)


def delivery_status(provider: str, tracking_id: str, events: list[DeliveryEvent]) -> DeliveryStatus:
    """The letter's status: final once an outcome (received, refused, not claimed) is known."""
    return DeliveryStatus(
        provider=provider,
        tracking_id=tracking_id,
        events=events,
        final=any(event.kind.final for event in events),
    )


def unknown_letter(provider: str, request: RegisteredStatusRequest) -> ApplicationError:
    """The provider has no such letter: asking again will not find it."""
    return ApplicationError(
        f"the {provider} provider has no registered letter {request.tracking_id} "
        f"for {request.case_id}/{request.step_key}",
        type="RegisteredLetterUnknown",
        non_retryable=True,
    )


def sender_and_recipient(letter: RegisteredLetterRequest) -> dict[str, dict[str, Any]]:
    """The letter's parties as a receipt and the http provider's API write them."""
    return {
        "sender": {"name": letter.sender_name, "address": letter.sender_address.lines()},
        "recipient": {"name": letter.recipient_name, "address": letter.recipient_address.lines()},
    }


def lines_html(lines: list[str]) -> str:
    """Lines of a name and address as escaped HTML, one under the other."""
    return "<br>".join(html.escape(line) for line in lines)
