"""Legal: hand a case over to the commissaire de justice (ex-huissier).

The dossier is a folder a bailiff's office can take as it is: every document with its SHA-256, and
a ``manifest.json`` describing the case. It is built aside and moved into place in one step, so a
crash never leaves half a dossier.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from config.settings import Settings
from models.case import DocumentRef, DossierRef, HandoffRequest

MANIFEST = "manifest.json"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


class LegalActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @activity.defn
    def handoff_to_bailiff(self, request: HandoffRequest) -> DossierRef:
        target = self._settings.dossiers_dir / request.case_id
        documents = _dossier_documents(request)
        manifest = _manifest_bytes(request, documents)
        if (target / MANIFEST).is_file() and (target / MANIFEST).read_bytes() == manifest:
            # A retry after the dossier was completed: it is already there, unchanged.
            return DossierRef(path=str(target), manifest_sha256=hashlib.sha256(manifest).hexdigest())
        target.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f".{request.case_id}.", dir=target.parent))
        try:
            for document in documents:
                _copy_verified(document, building)
            (building / MANIFEST).write_bytes(manifest)
            if target.exists():
                # An older, different dossier for this case: keep it beside, never overwrite proof.
                target.rename(target.with_name(f"{target.name}.replaced-{sha256_of(target / MANIFEST)[:12]}"))
            building.rename(target)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        return DossierRef(path=str(target), manifest_sha256=hashlib.sha256(manifest).hexdigest())


def _copy_verified(document: DocumentRef, folder: Path) -> None:
    source = Path(document.path)
    if not source.is_file():
        raise ApplicationError(f"{source} is missing: cannot build the dossier", non_retryable=True)
    actual = sha256_of(source)
    if actual != document.sha256:
        raise ApplicationError(
            f"{source} changed since it was sent (sha256 {actual}, expected {document.sha256})",
            type="DocumentChanged",
            non_retryable=True,
        )
    shutil.copy2(source, folder / source.name)


def _invoice_document(request: HandoffRequest) -> DocumentRef | None:
    """The invoice PDF itself, when the import provided one."""
    if not request.invoice.pdf_path:
        return None
    path = Path(request.invoice.pdf_path)
    if not path.is_file():
        raise ApplicationError(f"invoice PDF {path} is missing: cannot build the dossier", non_retryable=True)
    return DocumentRef(path=str(path), sha256=sha256_of(path))


def _dossier_documents(request: HandoffRequest) -> list[DocumentRef]:
    invoice = _invoice_document(request)
    return ([invoice] if invoice else []) + list(request.documents)


def _manifest_bytes(request: HandoffRequest, documents: list[DocumentRef]) -> bytes:
    listed = []
    for document in documents:
        path = Path(document.path)
        listed.append(
            {
                "file": path.name,
                "sha256": document.sha256,
                "size": path.stat().st_size if path.is_file() else None,
            }
        )
    content: dict[str, Any] = {
        "case_id": request.case_id,
        "handed_off_at": request.handed_off_at.isoformat(),
        "creditor": request.creditor.model_dump(mode="json"),
        "debtor": request.debtor.model_dump(mode="json"),
        "invoice": request.invoice.model_dump(mode="json"),
        "balance": str(request.balance),
        "actions": [action.model_dump(mode="json") for action in request.actions],
        "documents": listed,
    }
    return json.dumps(content, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
