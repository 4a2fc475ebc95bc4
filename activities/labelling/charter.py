"""The green label and the charter attestation, for creditors who accepted the good-practice charter
only: the creditor's invoice stamped green, and the attestation of its commitments."""

from __future__ import annotations

from pathlib import Path

from activities.labelling.codes import label_code
from activities.labelling.stamp import stamp_pdf
from activities.rendering.pdf import html_to_pdf
from activities.rendering.templates import letter_environment
from models.case_ids import legacy_case_id
from models.documents import AttestationRequest
from models.enums import LabelColour
from models.parties import CreditorInfo

ATTESTATION_TEMPLATE = "label_attestation.html.j2"
# Step keys of the green labels issued outside the ladder.
INVOICE_STEP = "invoice"
ATTESTATION_STEP = "attestation"


class CharterNotAccepted(ValueError):
    """The green label and the attestation belong to creditors who accepted the charter."""


def require_charter(creditor: CreditorInfo) -> None:
    """Refuse the green label and the attestation to a creditor who has not accepted the charter."""
    if creditor.charter_accepted_on is None:
        raise CharterNotAccepted(
            f"{creditor.name} (SIREN {creditor.siren}) n'a pas accepté la charte des bonnes pratiques : "
            "ni label vert ni attestation pour ses factures"
        )


def green_invoice(content: bytes, creditor: CreditorInfo, case_id: str) -> tuple[bytes, str]:
    """The creditor's invoice with the green label, and the label's code."""
    require_charter(creditor)
    code = label_code(case_id, INVOICE_STEP, LabelColour.GREEN)
    return stamp_pdf(content, LabelColour.GREEN, code), code


def attestation_subject(request: AttestationRequest) -> str:
    """What the attestation is about: the invoice's case, or the creditor's charter when alone."""
    if request.invoice is not None:
        return request.case_id or legacy_case_id(request.creditor.siren, request.invoice.number)
    return f"charter-{request.creditor.siren}"


def attestation_pdf(templates_dir: Path, request: AttestationRequest) -> tuple[bytes, str]:
    """The attestation of the creditor's commitments, with the green label, and the label's code."""
    require_charter(request.creditor)
    code = label_code(attestation_subject(request), ATTESTATION_STEP, LabelColour.GREEN)
    template = letter_environment(templates_dir).get_template(ATTESTATION_TEMPLATE)
    page = template.render(
        creditor=request.creditor,
        invoice=request.invoice,
        issued_on=request.issued_on,
        case_id=attestation_subject(request) if request.invoice else None,
        code=code,
    )
    pdf = html_to_pdf(page, templates_dir)
    return stamp_pdf(pdf, LabelColour.GREEN, code), code
