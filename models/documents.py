"""Documents of a case: a letter's context and rendering, labels, attestations."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from pydantic import Field

from law.penalties import PenaltyStatement
from models.enums import LabelColour, Stage
from models.frozen import Value
from models.invoices import InvoiceInfo
from models.parties import AgencyInfo, CreditorInfo, DebtorInfo
from models.status import ActionRecord


class DocumentRef(Value):
    path: str
    sha256: str
    # The verification code printed on the document's good-practice label, if it carries one.
    label_code: str | None = None


class LetterContext(Value):
    """What a letter template sees."""

    case_id: str
    step_key: str
    stage: Stage
    letter_date: date
    creditor: CreditorInfo
    debtor: DebtorInfo
    invoice: InvoiceInfo
    balance: Decimal
    pay_by: date | None = None
    # A formal notice gives its deadline from its receipt (domain notes: commonly 8 days).
    pay_within: timedelta | None = None
    previous_letters: list[ActionRecord] = Field(default_factory=list)
    # Penalties accrued as at the letter date, when the step claims or announces them.
    penalties: PenaltyStatement | None = None
    agency: AgencyInfo | None = None


class RenderLetterRequest(Value):
    template: str
    context: LetterContext


class RenderedLetter(Value):
    """The step's letter as a PDF, and the email that carries it."""

    document: DocumentRef
    email_subject: str
    email_body: str


class LabelRequest(Value):
    case_id: str
    step_key: str
    source: DocumentRef
    colour: LabelColour


class InvoiceLabelRequest(Value):
    """Put the green label on the creditor's own invoice (``invoice.pdf_path``)."""

    case_id: str
    creditor: CreditorInfo
    invoice: InvoiceInfo


class AttestationRequest(Value):
    """The attestation of a creditor who accepted the charter, joined to one invoice or to none."""

    creditor: CreditorInfo
    # The attestation's own date, not the clock: the same request renders the same attestation.
    issued_on: date
    invoice: InvoiceInfo | None = None
    # The case of ``invoice`` (the attestation's label code names it); None from workflows started
    # before it was sent, whose case id was derived from the creditor and the invoice.
    case_id: str | None = None
