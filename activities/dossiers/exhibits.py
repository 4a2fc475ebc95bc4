"""The exhibits of a filing (pièces justificatives) as its bordereau numbers them: for one invoice or
for several of one debtor claimed in one request (CPC 1407), each document once, saying which
invoices it supports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, get_args

from law.penalties import PenaltyStatement
from models.court import Exhibit, ExhibitKind
from models.documents import DocumentRef
from models.invoices import InvoiceInfo

EXHIBIT_ORDER: tuple[str, ...] = get_args(ExhibitKind)


@dataclass(frozen=True)
class ClaimExhibits:
    """One invoice's exhibits, with what their titles name: the invoice, and its penalty statement."""

    invoice: InvoiceInfo
    penalties: PenaltyStatement | None
    exhibits: list[Exhibit]


@dataclass(frozen=True)
class NumberedExhibit:
    """An exhibit as the bordereau lists it: its number and its file in the dossier."""

    number: int
    kind: str
    dated: date | None
    file: str
    document: DocumentRef
    # The invoices it supports, in the claims' order: its title names the first (its number, its
    # order's reference, the date its penalty statement counts to).
    invoices: tuple[InvoiceInfo, ...]
    penalties: PenaltyStatement | None


def _bordereau_order(exhibit: Exhibit) -> tuple[int, date]:
    return EXHIBIT_ORDER.index(exhibit.kind), exhibit.dated or date.min


def numbered_exhibits(claims: list[ClaimExhibits]) -> list[NumberedExhibit]:
    """Each claim's exhibits in the bordereau's order (invoice, order, notice and its receipt,
    statement, reminders; by date within a kind, undated first), claim after claim, numbered from 1;
    a document given twice, by one claim or by several (one letter for several invoices), is
    numbered once."""
    first: dict[DocumentRef, tuple[Exhibit, ClaimExhibits]] = {}
    supported: dict[DocumentRef, list[InvoiceInfo]] = {}
    for claim in claims:
        for exhibit in sorted(claim.exhibits, key=_bordereau_order):
            first.setdefault(exhibit.document, (exhibit, claim))
            invoices = supported.setdefault(exhibit.document, [])
            if claim.invoice not in invoices:
                invoices.append(claim.invoice)
    return [
        NumberedExhibit(
            number=number,
            kind=exhibit.kind,
            dated=exhibit.dated,
            file=f"piece-{number:02d}-{Path(exhibit.document.path).name}",
            document=exhibit.document,
            invoices=tuple(supported[exhibit.document]),
            penalties=claim.penalties,
        )
        for number, (exhibit, claim) in enumerate(first.values(), start=1)
    ]


def of_claim(claim: ClaimExhibits, numbered: list[NumberedExhibit]) -> list[NumberedExhibit]:
    """The numbered exhibits that support ``claim``."""
    documents = {exhibit.document for exhibit in claim.exhibits}
    return [exhibit for exhibit in numbered if exhibit.document in documents]


def exhibit_values(claims: list[ClaimExhibits]) -> dict[str, Any]:
    """What the templates' list of exhibits sees (``_filing.html.j2``): the numbered exhibits, the
    invoices whose signed quote or order is known by its reference only (the list says it will be
    produced), and whether several invoices are claimed."""
    exhibits = numbered_exhibits(claims)
    to_produce = [
        claim.invoice
        for claim in claims
        if claim.invoice.order_reference and not any(e.kind == "order" for e in of_claim(claim, exhibits))
    ]
    return {"exhibits": exhibits, "orders_to_produce": to_produce, "grouped": len(claims) > 1}
