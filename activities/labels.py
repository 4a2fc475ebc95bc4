"""Labels: the activities putting the good-practice label on documents — a step's letter stamped
with its badge and verification code, the green label on the invoices of a creditor who accepted the
charter, the charter attestation. The pieces are in ``activities.labelling``.

Stamping is CPU work and synchronous: the worker runs it on its thread pool. A label's code derives
from what it labels (case, step, colour): a retry prints the same code, and the journal keeps it so
that anyone holding the document can have it checked (``relance label verify CODE``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.labelling.charter import (
    CharterNotAccepted,
    attestation_pdf,
    attestation_subject,
    green_invoice,
)
from activities.labelling.codes import label_code
from activities.labelling.stamp import PdfRefused, stamp_pdf
from activities.paths import path_part
from config.settings import Settings
from models.documents import AttestationRequest, DocumentRef, InvoiceLabelRequest, LabelRequest
from support.files import sha256_of, write_atomically


class LabelActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    # Running workflows and recorded histories call it by this name.
    @activity.defn(name="label_pdf")
    def label_pdf(self, request: LabelRequest) -> DocumentRef:
        """Stamp a step's letter with its label; the file must be the one that was rendered."""
        source = Path(request.source.path)
        content = _bytes_to_label(source, missing="DocumentChanged")
        if sha256_of(content) != request.source.sha256:
            raise ApplicationError(
                f"{source} changed since it was produced (sha256 {sha256_of(content)}, "
                f"expected {request.source.sha256}): not labelling it",
                type="DocumentChanged",
                non_retryable=True,
            )
        code = label_code(request.case_id, request.step_key, request.colour)
        with _fails_for_good(source):
            stamped = stamp_pdf(content, request.colour, code)
        path = source.with_name(f"{source.stem}.{request.colour.value}.pdf")
        write_atomically(path, stamped)
        return DocumentRef(path=str(path), sha256=sha256_of(stamped), label_code=code)

    @activity.defn
    def label_invoice(self, request: InvoiceLabelRequest) -> DocumentRef:
        """The creditor's own invoice with the green label, for a creditor who accepted the charter."""
        if request.invoice.pdf_path is None:
            raise ApplicationError(
                f"invoice {request.invoice.number} has no PDF to label",
                type="NoInvoicePdf",
                non_retryable=True,
            )
        source = Path(request.invoice.pdf_path)
        content = _bytes_to_label(source, missing="NoInvoicePdf")
        with _fails_for_good(source):
            stamped, code = green_invoice(content, request.creditor, request.case_id)
        path = self._settings.documents_dir / path_part(request.case_id) / "invoice.green.pdf"
        write_atomically(path, stamped)
        return DocumentRef(path=str(path), sha256=sha256_of(stamped), label_code=code)

    @activity.defn
    def render_attestation(self, request: AttestationRequest) -> DocumentRef:
        """The charter attestation, joined to an invoice when one is given."""
        with _fails_for_good():
            pdf, code = attestation_pdf(self._settings.templates_dir, request)
        path = self._settings.documents_dir / path_part(attestation_subject(request)) / "attestation.pdf"
        write_atomically(path, pdf)
        return DocumentRef(path=str(path), sha256=sha256_of(pdf), label_code=code)


def _bytes_to_label(source: Path, missing: str) -> bytes:
    """The document's bytes; a document gone fails for good, as an error of type ``missing``."""
    try:
        return source.read_bytes()
    except FileNotFoundError as error:
        raise ApplicationError(
            f"{source} is missing: nothing to label", type=missing, non_retryable=True
        ) from error


@contextmanager
def _fails_for_good(source: Path | None = None) -> Iterator[None]:
    """What would fail again on every retry fails the activity for good, saying why."""
    try:
        yield
    except PdfRefused as error:
        raise ApplicationError(f"{source}: {error}", type="PdfRefused", non_retryable=True) from error
    except CharterNotAccepted as error:
        raise ApplicationError(str(error), type="CharterNotAccepted", non_retryable=True) from error
