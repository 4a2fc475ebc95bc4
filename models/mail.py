"""Emails and registered letters: what the mail activities send and what their providers report."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, Field

from models.documents import DocumentRef
from models.frozen import Value
from models.parties import Address


class EmailRequest(Value):
    case_id: str
    step_key: str
    to: str
    subject: str
    # Where the debtor's answer goes: the creditor, or the agency that writes for it (the mail
    # itself goes out from the server's sender). None in the requests of older histories.
    reply_to: str | None = None
    body: str
    attachments: list[DocumentRef] = Field(default_factory=list)


class EmailReceipt(Value):
    message_id: str
    sent_at: datetime
    duplicate: bool = False


class RegisteredLetterRequest(Value):
    case_id: str
    step_key: str
    recipient_name: str
    recipient_address: Address
    sender_name: str
    sender_address: Address
    document: DocumentRef
    # Enclosed in the same envelope (a penalty claim's statement).
    attachments: list[DocumentRef] = Field(default_factory=list)


class RegisteredLetterReceipt(Value):
    provider: str
    tracking_id: str
    sent_at: datetime
    duplicate: bool = False


class DeliveryEventKind(StrEnum):
    """What happened to a registered letter, as its provider reports it."""

    DEPOSITED = "deposited"
    FIRST_PRESENTATION = "first_presentation"
    RECEIVED = "received"
    REFUSED = "refused"
    # Not claimed within the legal period: 15 days from the day after the first presentation for a
    # postal LRAR, held at the post office (arrêté of 7 February 2007 taken under CPCE R2-1,
    # article 7); 15 days from the day after the recipient was told of it for an LRE (CPCE R53-3).
    NOT_CLAIMED = "not_claimed"

    @property
    def final(self) -> bool:
        """The delivery's outcome: nothing follows it."""
        return self in (DeliveryEventKind.RECEIVED, DeliveryEventKind.REFUSED, DeliveryEventKind.NOT_CLAIMED)


class DeliveryEvent(Value):
    kind: DeliveryEventKind
    at: AwareDatetime
    # The provider's proof of the event (of deposit, of receipt, of refusal or non-claim), if any.
    proof: DocumentRef | None = None


class DeliveryStatus(Value):
    provider: str
    tracking_id: str
    events: list[DeliveryEvent] = Field(default_factory=list)
    # True once the outcome (received, refused, not claimed) is known: no event will follow.
    final: bool = False


class RegisteredStatusRequest(Value):
    # The letter's own keys: a case's and its step's, or a debtor's account's and its communication's.
    case_id: str
    step_key: str
    provider: str
    tracking_id: str
    # The case and step whose journal records the events of a letter sent for several invoices.
    journal_case_id: str | None = None
    journal_step_key: str | None = None

    @property
    def journal_keys(self) -> tuple[str, str]:
        return self.journal_case_id or self.case_id, self.journal_step_key or self.step_key
