"""Legal: hand a case over to the commissaire de justice (ex-huissier).

The dossier is a folder a bailiff's office can take as it is: every document, numbered in the order
it was produced, and a ``manifest.json`` describing the case with each document's SHA-256. It is
built in a sibling folder and moved into place in one rename, so a crash never leaves half a dossier.
"""

from __future__ import annotations

import hashlib
import json
import os
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
        if request.case_id in ("", ".", "..") or Path(request.case_id).name != request.case_id:
            raise ApplicationError(f"{request.case_id!r} cannot name a dossier folder", non_retryable=True)
        target = self._settings.dossiers_dir / request.case_id
        documents = _dossier_documents(request)
        manifest = _manifest_bytes(request, documents)
        reference = DossierRef(path=str(target), manifest_sha256=hashlib.sha256(manifest).hexdigest())
        if (target / MANIFEST).is_file() and (target / MANIFEST).read_bytes() == manifest:
            # A retry after the dossier was completed: it is already there, unchanged.
            return reference
        target.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f".{request.case_id}.", dir=target.parent))
        try:
            for name, document in documents.items():
                _copy_verified(document, building / name)
            _write_durably(building / MANIFEST, manifest)
            if target.exists():
                # An older, different dossier for this case: keep it beside, never destroy proof.
                target.rename(target.with_name(f"{target.name}.replaced-{_fingerprint(target)}"))
            building.rename(target)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        return reference


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
        refs.insert(0, DocumentRef(path=str(invoice_pdf), sha256=sha256_of(invoice_pdf)))
    unique = list(dict.fromkeys(refs))
    return {f"{index:02d}-{Path(ref.path).name}": ref for index, ref in enumerate(unique, start=1)}


def _copy_verified(document: DocumentRef, destination: Path) -> None:
    source = Path(document.path)
    if not source.is_file():
        raise ApplicationError(f"{source} is missing: cannot build the dossier", non_retryable=True)
    content = source.read_bytes()
    actual = hashlib.sha256(content).hexdigest()
    if actual != document.sha256:
        raise ApplicationError(
            f"{source} changed since it was sent (sha256 {actual}, expected {document.sha256})",
            type="DocumentChanged",
            non_retryable=True,
        )
    # The bytes just verified are the bytes written: the file cannot change in between.
    _write_durably(destination, content)


def _write_durably(path: Path, content: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def _fingerprint(dossier: Path) -> str:
    manifest = dossier / MANIFEST
    return sha256_of(manifest)[:12] if manifest.is_file() else "incomplete"


def _manifest_bytes(request: HandoffRequest, documents: dict[str, DocumentRef]) -> bytes:
    listed = [
        {"file": name, "sha256": ref.sha256, "size": _size(Path(ref.path))} for name, ref in documents.items()
    ]
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


def _size(path: Path) -> int | None:
    """The source's size; None when it is gone (the copy then refuses to build the dossier)."""
    return path.stat().st_size if path.is_file() else None
