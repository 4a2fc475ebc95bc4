"""Typed values that cross the workflow boundary: the case input, agent commands, activity
requests and results, and the status a query returns.

They travel through Temporal with the pydantic data converter, so ``Decimal`` amounts stay exact
(serialised as strings) and dates stay dates.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from stdnum import iban as iban_number
from stdnum.fr import siren as siren_number
from stdnum.fr import siret as siret_number
from stdnum.fr import tva as vat_number

from models.enums import CaseState, DebtorKind, LabelColour, Stage
from models.judicial import JudicialDecision, JudicialRoute
from models.penalties import PenaltyStatement
from models.policy import EscalationPolicy

CENT = Decimal("0.01")
_UNSAFE_ID_CHAR = re.compile(r"[^A-Za-z0-9._-]")


def safe_name(text: str) -> str:
    """``text`` usable in an id or a file name: characters outside ``[A-Za-z0-9._-]`` are escaped as
    ``~XX`` (their UTF-8 bytes in hex), so two different texts never share a name."""

    def escape(match: re.Match[str]) -> str:
        return "".join(f"~{byte:02X}" for byte in match.group(0).encode("utf-8"))

    return _UNSAFE_ID_CHAR.sub(escape, text.replace("~", "~7E"))


def case_id_for(creditor_siren: str, invoice_number: str) -> str:
    """The workflow id of an invoice's case: the same invoice always maps to the same case."""
    return f"invoice-{creditor_siren}-{safe_name(invoice_number)}"


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True)


class Address(_Value):
    street: str
    postcode: str
    city: str
    country: str = "France"

    def lines(self) -> list[str]:
        return [self.street, f"{self.postcode} {self.city}", self.country.upper()]


def valid_siren(value: str | None) -> str | None:
    """The SIREN in its compact form, or ValueError saying why it is not one."""
    if value is None:
        return None
    compact = siren_number.compact(value)
    if not siren_number.is_valid(compact):
        raise ValueError(f"{value!r} is not a valid SIREN (9 digits, Luhn key)")
    return compact


def valid_siret(value: str | None) -> str | None:
    """The SIRET (SIREN + establishment number) in its compact form, or ValueError."""
    if value is None:
        return None
    compact = siret_number.compact(value)
    if not siret_number.is_valid(compact):
        raise ValueError(f"{value!r} is not a valid SIRET (14 digits, Luhn key)")
    return compact


def valid_vat_number(value: str | None) -> str | None:
    """A French intra-community VAT number (FR + key + SIREN) in its compact form, or ValueError."""
    if value is None:
        return None
    compact = vat_number.compact(value)
    if not vat_number.is_valid(compact):
        raise ValueError(f"{value!r} is not a valid French VAT number (FR, 2-character key, SIREN)")
    return f"FR{compact}" if not compact.startswith("FR") else compact


def valid_iban(value: str | None) -> str | None:
    """An IBAN in its compact form (checksum and country format checked), or ValueError."""
    if value is None:
        return None
    compact = iban_number.compact(value)
    if not iban_number.is_valid(compact):
        raise ValueError(f"{value!r} is not a valid IBAN (country format or check digits wrong)")
    return compact


class CreditorInfo(_Value):
    name: str
    siren: str
    email: str
    address: Address
    charter_accepted_on: date | None = None
    siret: str | None = None
    vat_number: str | None = None
    # Where the debtor pays: printed on every letter when known.
    iban: str | None = None

    _siren = field_validator("siren")(valid_siren)
    _siret = field_validator("siret")(valid_siret)
    _vat_number = field_validator("vat_number")(valid_vat_number)
    _iban = field_validator("iban")(valid_iban)

    @model_validator(mode="after")
    def _identifiers_agree(self) -> CreditorInfo:
        if self.siret and not self.siret.startswith(self.siren):
            raise ValueError(f"SIRET {self.siret} does not belong to SIREN {self.siren}")
        if self.vat_number and not self.vat_number.endswith(self.siren):
            raise ValueError(f"VAT number {self.vat_number} does not belong to SIREN {self.siren}")
        return self


class AgencyInfo(_Value):
    """A collection agency acting for the creditor: its letters carry the mentions of CPCE R124-4."""

    name: str
    siren: str
    email: str
    address: Address

    _siren = field_validator("siren")(valid_siren)


class DebtorInfo(_Value):
    kind: DebtorKind
    name: str
    email: str
    address: Address
    siren: str | None = None

    _siren = field_validator("siren")(valid_siren)

    @model_validator(mode="after")
    def _business_has_siren(self) -> DebtorInfo:
        if self.kind == DebtorKind.BUSINESS and not self.siren:
            raise ValueError("a business debtor needs its SIREN")
        return self


class InvoiceInfo(_Value):
    number: str
    issue_date: date
    due_date: date
    amount_due: Decimal
    currency: str = "EUR"
    amount_paid: Decimal = Decimal("0.00")
    order_reference: str | None = None
    # Late-payment rate of the terms of sale, percent a year (Code de commerce L441-10 II).
    contract_rate_percent: Decimal | None = None
    pdf_path: str | None = None

    @property
    def balance(self) -> Decimal:
        return (self.amount_due - self.amount_paid).quantize(CENT)


class CaseInput(_Value):
    """Everything a case needs, frozen at the moment it starts."""

    case_id: str
    creditor: CreditorInfo
    debtor: DebtorInfo
    invoice: InvoiceInfo
    policy: EscalationPolicy
    started_by: str = "back-office"
    # Set when a collection agency, not the creditor itself, sends the letters.
    agency: AgencyInfo | None = None


# --- agent commands (workflow updates) -------------------------------------------------------


class PauseRequest(_Value):
    reason: str
    until: datetime | None = None
    agent: str = "agent"


class ResumeRequest(_Value):
    agent: str = "agent"


class EscalateRequest(_Value):
    to_stage: Stage | None = None
    agent: str = "agent"


class PaymentRequest(_Value):
    amount: Decimal
    paid_on: date
    agent: str = "agent"
    reference: str = ""


class FilingDecision(_Value):
    """An agent's approval or rejection of a judicial filing (four-eyes rule)."""

    approve: bool
    agent: str
    reason: str = ""


class PromiseRequest(_Value):
    """The debtor promises to pay ``amount`` by ``by``: the ladder waits until then; a broken
    promise resumes it at the next stage at once."""

    amount: Decimal
    by: date
    agent: str = "agent"


class Promise(_Value):
    amount: Decimal
    by: date
    recorded_by: str
    # What the debtor had paid when promising: the promise is kept once this grows by ``amount``.
    paid_before: Decimal


class DisputeRequest(_Value):
    """Open or close a dispute: while one is open the ladder holds and no filing goes to court."""

    open: bool
    reason: str
    agent: str = "agent"


class BailiffReportKind(StrEnum):
    """What the commissaire de justice reports on a dossier handed to them."""

    ACCEPTED = "accepted"
    # Money recovered from the debtor (lowers the balance), with the costs of the acts, if any.
    RECOVERED = "recovered"
    # Nothing more can be recovered (debtor insolvent, not found…): the case closes.
    FAILED = "failed"
    # The commissaire closes the file: the case closes, paid or with what is left.
    CLOSED = "closed"


class CostBearer(StrEnum):
    """Who bears a cost the commissaire de justice reports."""

    # Enforcement under an enforceable title: the debtor's (CPCE L111-8, first paragraph), like the
    # proportional fee charged to the debtor (Code de commerce A444-31).
    DEBTOR = "debtor"
    # Amicable collection and the small-claims procedure: the creditor's (CPCE L111-8, R125-1 and
    # following), like the proportional fee charged to the creditor (Code de commerce A444-32).
    CREDITOR = "creditor"


class BailiffReport(_Value):
    """A status update from the commissaire de justice, entered by an agent or a webhook."""

    kind: BailiffReportKind
    # The sum the commissaire recovered and will pay over (``recovered`` only).
    amount: Decimal = Decimal("0.00")
    received_on: date | None = None
    # The costs of the acts reported, and who bears them.
    costs: Decimal = Decimal("0.00")
    costs_borne_by: CostBearer | None = None
    note: str = ""
    agent: str = "agent"

    @model_validator(mode="after")
    def _consistent(self) -> BailiffReport:
        for name in ("amount", "costs"):
            value = getattr(self, name)
            if value < 0 or value != value.quantize(CENT):
                raise ValueError(f"{name} {value} is not an amount in euros and cents")
        if self.kind is BailiffReportKind.RECOVERED and self.amount == 0:
            raise ValueError("a recovery report needs the amount recovered")
        if self.kind is not BailiffReportKind.RECOVERED and self.amount:
            raise ValueError(f"only a recovery report carries an amount, not {self.kind.value!r}")
        if self.costs and self.costs_borne_by is None:
            raise ValueError("say who bears the costs: debtor (enforcement) or creditor")
        return self


class CostLine(_Value):
    amount: Decimal
    borne_by: CostBearer
    reported_on: date
    note: str = ""


class CommandResult(_Value):
    """What an agent gets back once a command is accepted."""

    message: str
    status: CaseStatus


# --- status query --------------------------------------------------------------------------


class ActionRecord(_Value):
    at: datetime
    kind: str
    actor: str
    detail: str
    step_key: str | None = None
    stage: Stage | None = None
    document_sha256: str | None = None


class PaymentLine(_Value):
    amount: Decimal
    paid_on: date
    recorded_by: str
    reference: str = ""


class CaseStatus(_Value):
    case_id: str
    invoice_number: str
    creditor_name: str
    debtor_name: str
    state: CaseState
    stage: Stage | None
    balance: Decimal
    currency: str
    paused: bool
    pause_reason: str | None = None
    pause_until: datetime | None = None
    next_action: str | None = None
    next_action_at: datetime | None = None
    actions: list[ActionRecord] = Field(default_factory=list)
    payments: list[PaymentLine] = Field(default_factory=list)
    # What the case waits for from a person, if anything (an approval, a proof).
    waiting_for: str | None = None
    dispute_reason: str | None = None
    promise: Promise | None = None
    # Sums the commissaire de justice recovered, and the costs reported with who bears them.
    recovered: Decimal = Decimal("0.00")
    costs: list[CostLine] = Field(default_factory=list)
    # The last day a court claim can be brought (prescription), once the case knows it.
    prescription_ends_on: date | None = None
    # What an agent's work queue needs to know (backoffice/work_queue.py).
    # Paused by the case itself, for an agent to look (not by an agent who knows why).
    held_by_case: bool = False
    approval_pending: bool = False
    filing_requested_by: str | None = None
    prescription_warned: bool = False


# --- activity requests and results -----------------------------------------------------------


class DocumentRef(_Value):
    path: str
    sha256: str
    # The verification code printed on the document's good-practice label, if it carries one.
    label_code: str | None = None


class LetterContext(_Value):
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


class RenderLetterRequest(_Value):
    template: str
    context: LetterContext


class RenderedLetter(_Value):
    """The step's letter as a PDF, and the email that carries it."""

    document: DocumentRef
    email_subject: str
    email_body: str


class LabelRequest(_Value):
    case_id: str
    step_key: str
    source: DocumentRef
    colour: LabelColour


class EmailRequest(_Value):
    case_id: str
    step_key: str
    to: str
    subject: str
    body: str
    attachments: list[DocumentRef] = Field(default_factory=list)


class EmailReceipt(_Value):
    message_id: str
    sent_at: datetime
    duplicate: bool = False


class RegisteredLetterRequest(_Value):
    case_id: str
    step_key: str
    recipient_name: str
    recipient_address: Address
    sender_name: str
    sender_address: Address
    document: DocumentRef
    # Enclosed in the same envelope (a penalty claim's statement).
    attachments: list[DocumentRef] = Field(default_factory=list)


class RegisteredLetterReceipt(_Value):
    provider: str
    tracking_id: str
    sent_at: datetime
    duplicate: bool = False


class CaseEventRecord(_Value):
    """One line of the append-only journal; ``idempotency_key`` makes a retry a no-op."""

    case_id: str
    kind: str
    actor: str
    occurred_at: datetime
    detail: str
    idempotency_key: str
    step_key: str | None = None
    document_sha256: str | None = None
    label_code: str | None = None


class PaymentRecord(_Value):
    case_id: str
    amount: Decimal
    paid_on: date
    recorded_by: str
    reference: str
    idempotency_key: str


class HandoffRequest(_Value):
    case_id: str
    creditor: CreditorInfo
    debtor: DebtorInfo
    invoice: InvoiceInfo
    balance: Decimal
    documents: list[DocumentRef]
    actions: list[ActionRecord]
    handed_off_at: datetime


class DossierRef(_Value):
    path: str
    manifest_sha256: str


class InvoiceLabelRequest(_Value):
    """Put the green label on the creditor's own invoice (``invoice.pdf_path``)."""

    case_id: str
    creditor: CreditorInfo
    invoice: InvoiceInfo


class AttestationRequest(_Value):
    """The attestation of a creditor who accepted the charter, joined to one invoice or to none."""

    creditor: CreditorInfo
    # The attestation's own date, not the clock: the same request renders the same attestation.
    issued_on: date
    invoice: InvoiceInfo | None = None


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


class DeliveryEvent(_Value):
    kind: DeliveryEventKind
    at: AwareDatetime
    # The provider's proof of the event (of deposit, of receipt, of refusal or non-claim), if any.
    proof: DocumentRef | None = None


class DeliveryStatus(_Value):
    provider: str
    tracking_id: str
    events: list[DeliveryEvent] = Field(default_factory=list)
    # True once the outcome (received, refused, not claimed) is known: no event will follow.
    final: bool = False


class RegisteredStatusRequest(_Value):
    case_id: str
    step_key: str
    provider: str
    tracking_id: str


# --- judicial filing ---------------------------------------------------------------------------

# The exhibits of a filing, in the order the bordereau de pièces lists them.
ExhibitKind = Literal["invoice", "order", "formal_notice", "notice_receipt", "penalty_statement", "reminder"]


class Exhibit(_Value):
    """A document produced in support of a filing (pièce justificative)."""

    kind: ExhibitKind
    document: DocumentRef
    # The document's own date: the invoice's issue, the letter's sending, the receipt's signature.
    dated: date


class FilingRequest(_Value):
    """What ``prepare_filing`` builds the filing dossier from, for an eligible decision."""

    case_id: str
    creditor: CreditorInfo
    debtor: DebtorInfo
    invoice: InvoiceInfo
    decision: JudicialDecision
    # Principal still due; the penalty statement, when penalties accrued, gives interest and indemnity.
    principal: Decimal
    penalties: PenaltyStatement | None = None
    notice_received_on: date
    exhibits: list[Exhibit]
    # The case's Temporal history export (JSON, see ``export_history``), filed in the dossier.
    history: DocumentRef
    # The request's date, printed on it: never the clock.
    filed_on: date

    @property
    def interest(self) -> Decimal:
        return self.penalties.interest if self.penalties else Decimal("0.00")

    @property
    def indemnity(self) -> Decimal:
        return self.penalties.indemnity if self.penalties else Decimal("0.00")

    @property
    def route(self) -> JudicialRoute:
        route = self.decision.route
        if route is None:
            raise ValueError("an ineligible decision has no route")  # refused by _filable below
        return route

    @model_validator(mode="after")
    def _filable(self) -> FilingRequest:
        if not self.decision.eligible or self.decision.route is None:
            raise ValueError(f"the case may not go to court: {'; '.join(self.decision.refusals)}")
        total = self.principal + self.interest + self.indemnity
        if total != self.decision.claim_amount:
            claimed = self.decision.claim_amount
            raise ValueError(f"the amounts ({total}) differ from the decision's ({claimed})")
        kinds = {exhibit.kind for exhibit in self.exhibits}
        for kind in ("invoice", "formal_notice"):
            if kind not in kinds:
                raise ValueError(f"a filing needs the {kind.replace('_', ' ')} among its exhibits")
        return self


class HistoryExportRequest(_Value):
    """Write the case's Temporal history, as it stands, to a file of the case's documents."""

    case_id: str
    step_key: str


class InvoiceDocumentRequest(_Value):
    """The invoice PDF kept for the case, to be produced as an exhibit."""

    case_id: str
    path: str


class FilingDossierRef(_Value):
    path: str
    manifest_sha256: str
    route: JudicialRoute
    # Every file of the dossier with its SHA-256, the manifest last.
    files: list[DocumentRef]


class BailiffDelivery(_Value):
    """Send a filing dossier to the commissaire de justice (by email, or into the drop folder)."""

    case_id: str
    dossier: FilingDossierRef
    creditor_name: str
    debtor_name: str
    invoice_number: str


class BailiffDeliveryReceipt(_Value):
    channel: Literal["email", "folder"]
    # The email's Message-ID, or the folder the copy was dropped in.
    reference: str
    delivered_at: datetime
    duplicate: bool = False


CommandResult.model_rebuild()
