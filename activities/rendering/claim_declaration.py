"""The declaration of claim (déclaration de créance): what its template sees, and its file's name."""

from __future__ import annotations

from typing import Any

from activities.dossiers.exhibits import ClaimExhibits, exhibit_values
from activities.rendering.penalty_statement import warning_fr
from activities.rendering.signatories import creditor_signatory
from activities.rendering.templates import debtor_flags
from law.insolvency import PROCEEDINGS_FR, receiver_title
from models.enums import InsolvencyKind
from models.insolvency import ClaimDeclarationRequest

DECLARATION_TEMPLATE = "declaration_de_creance.html.j2"


def declaration_file(number: int) -> str:
    """The file of the case's ``number``-th declaration: one drawn again never overwrites the last."""
    return f"declaration_de_creance-{number}.pdf"


def declaration_values(request: ClaimDeclarationRequest) -> dict[str, Any]:
    """What the declaration's template (and the filing layout it extends) sees."""
    insolvency, penalties = request.insolvency, request.penalties
    exhibits = exhibit_values([ClaimExhibits(request.invoice, penalties, request.exhibits)])
    return {
        "reference": request.case_id,
        "creditor": request.creditor,
        "debtor": request.debtor,
        "invoice": request.invoice,
        **debtor_flags(request.debtor.kind),
        # Not a court filing: the parties' table names no applicant.
        "route": None,
        "filed_on": request.drawn_on,
        # Dated and signed by the person who represents the creditor, as its requests are.
        "signatory": creditor_signatory(request.creditor),
        "penalties": penalties,
        "warnings": [warning_fr(warning) for warning in penalties.warnings] if penalties else [],
        # The numbered exhibits; an order known by its reference only, the list says it will follow.
        **exhibits,
        "has_invoice": any(exhibit.kind == "invoice" for exhibit in exhibits["exhibits"]),
        "insolvency": insolvency,
        "proceedings": PROCEEDINGS_FR[insolvency.kind],
        "proceedings_feminine": insolvency.kind is not InsolvencyKind.REDRESSEMENT,
        "receiver": receiver_title(insolvency.kind),
        "liquidation": insolvency.kind is InsolvencyKind.LIQUIDATION,
        "mandataire_lines": [line.strip() for line in insolvency.mandataire.splitlines() if line.strip()],
        "claim": request.claim,
        # Paid on the invoice up to the judgment.
        "paid": request.invoice.amount_due - request.claim.principal,
    }
