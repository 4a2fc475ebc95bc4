"""The hand-off dossier, ``<dossiers>/<case>/``: the case's documents, numbered in order (the invoice
PDF first), and a manifest with the case's parties, balance and actions."""

from __future__ import annotations

from pathlib import Path

from temporalio.exceptions import ApplicationError

from activities.dossiers.folders import MANIFEST, copy_verified, file_size, publish_folder
from models.court import DossierRef, HandoffRequest
from models.documents import DocumentRef
from support.files import canonical_json, sha256_of, sha256_of_file, write_durably


def _dossier_documents(request: HandoffRequest) -> dict[str, DocumentRef]:
    """Each document under its name in the dossier: ``01-<file>``, ``02-<file>``… in order.

    The invoice PDF, when the import provided one, comes first. The number keeps two sources with
    the same file name apart; a document listed twice is copied once.
    """
    refs = list(request.documents)
    if request.invoice.pdf_path:
        invoice_pdf = Path(request.invoice.pdf_path)
        if not invoice_pdf.is_file():
            raise ApplicationError(
                f"invoice PDF {invoice_pdf} is missing: cannot build the dossier", non_retryable=True
            )
        refs.insert(0, DocumentRef(path=str(invoice_pdf), sha256=sha256_of_file(invoice_pdf)))
    unique = list(dict.fromkeys(refs))
    return {f"{index:02d}-{Path(ref.path).name}": ref for index, ref in enumerate(unique, start=1)}


def _manifest_bytes(request: HandoffRequest, documents: dict[str, DocumentRef]) -> bytes:
    listed = [
        {"file": name, "sha256": ref.sha256, "size": file_size(Path(ref.path))}
        for name, ref in documents.items()
    ]
    return canonical_json(
        {
            "case_id": request.case_id,
            "handed_off_at": request.handed_off_at.isoformat(),
            "creditor": request.creditor.model_dump(mode="json"),
            "debtor": request.debtor.model_dump(mode="json"),
            "invoice": request.invoice.model_dump(mode="json"),
            "balance": str(request.balance),
            "actions": [action.model_dump(mode="json") for action in request.actions],
            "documents": listed,
        }
    )


def write_handoff(target: Path, request: HandoffRequest) -> DossierRef:
    """Publish the case's documents and their manifest at ``target``; nothing is rewritten when the
    same dossier is already there (a retry after it was completed)."""
    documents = _dossier_documents(request)
    manifest = _manifest_bytes(request, documents)
    reference = DossierRef(path=str(target), manifest_sha256=sha256_of(manifest))
    if (target / MANIFEST).is_file() and (target / MANIFEST).read_bytes() == manifest:
        return reference

    def write(building: Path) -> None:
        for name, document in documents.items():
            copy_verified(document, building / name)
        write_durably(building / MANIFEST, manifest)

    publish_folder(target, write)
    return reference
