"""What the activity drawing the declaration of claim receives (Code de commerce L622-24, R622-23)."""

from __future__ import annotations

from datetime import date

from law.insolvency import DeclaredClaim
from law.penalties import PenaltyStatement
from models.court import Exhibit
from models.frozen import Value
from models.invoices import InvoiceInfo
from models.parties import CreditorInfo, DebtorInfo
from models.status import InsolvencyStatus


class ClaimDeclarationRequest(Value):
    """Draw the déclaration de créance of a case, ``<documents>/<case>/declaration_de_creance-<n>.pdf``."""

    case_id: str
    # The n-th declaration of the case (a completed one is drawn again): each its own file.
    number: int
    creditor: CreditorInfo
    debtor: DebtorInfo
    invoice: InvoiceInfo
    insolvency: InsolvencyStatus
    claim: DeclaredClaim
    # The interest counted to the judgment, period by period, when the invoice was late by then.
    penalties: PenaltyStatement | None = None
    # What proves the claim: the invoice and the letters the case sent.
    exhibits: list[Exhibit]
    # The declaration's own date, printed on it: never the clock.
    drawn_on: date
