"""Legal: the judicial filing dossier, its delivery to the commissaire de justice (ex-huissier), and
the earlier hand-off of a case's documents.

A dossier is a folder a court clerk or a bailiff's office can take as it is: every document, and a
``manifest.json`` with each file's SHA-256. It is built in a sibling folder and moved into place in
one rename, so a crash never leaves half a dossier; an older, different dossier of the same case is
kept beside it, never destroyed.

The filing dossier (``prepare_filing``) holds, for an injonction de payer (CPC 1405 and following),
the request to the court, or for a small claim (CPCE L125-1) the request to the commissaire de
justice; the bordereau de pièces; every exhibit, numbered; and the case's history export.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

from jinja2 import TemplateError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.documents import configured_judicial_rules, letter_environment
from activities.mail import MailActivities
from activities.pdf_rendering import html_to_pdf
from config.settings import Settings
from law.judicial import JudicialRules
from models.court import (
    BailiffDelivery,
    BailiffDeliveryReceipt,
    DossierRef,
    Exhibit,
    ExhibitKind,
    FilingDossierRef,
    FilingRequest,
    HandoffRequest,
    HistoryExportRequest,
    InvoiceDocumentRequest,
)
from models.documents import DocumentRef
from models.enums import DebtorKind
from models.mail import EmailRequest
from security.payload_codec import decode_history
from storage.database import Database
from support.files import canonical_json, sha256_of_file, write_atomically, write_durably

MANIFEST = "manifest.json"
HISTORY = "history.json"
BORDEREAU = "bordereau_de_pieces"
# The request of each route: its template and the file it is rendered to.
REQUESTS = {
    "injonction_de_payer": ("injonction_de_payer_request.html.j2", "requete_injonction_de_payer.pdf"),
    "small_claims": ("small_claims_request.html.j2", "demande_petites_creances.pdf"),
}
# The official request forms of an injonction de payer, by court: to be checked at their current
# revision before filing, the dossier does not reproduce them.
CERFA = {"tribunal_de_commerce": "12946", "tribunal_judiciaire": "12948"}
EXHIBIT_ORDER: tuple[str, ...] = get_args(ExhibitKind)
# Each route in the words of the email that delivers its dossier.
ROUTE_FR = {
    "injonction_de_payer": "requête en injonction de payer (articles 1405 et suivants du Code de "
    "procédure civile)",
    "small_claims": "demande de mise en œuvre de la procédure simplifiée de recouvrement des petites "
    "créances (article L125-1 du Code des procédures civiles d'exécution)",
}
# The journal step of a dossier's email to the commissaire de justice.
DELIVERY_STEP = "bailiff_delivery"




def folder_name(case_id: str) -> str:
    """The case id as one folder name, refused if it could leave its parent folder."""
    if case_id in ("", ".", "..") or Path(case_id).name != case_id:
        raise ApplicationError(f"{case_id!r} cannot name a dossier folder", non_retryable=True)
    return case_id


def publish_folder(target: Path, write: Callable[[Path], None]) -> None:
    """Build ``target`` with ``write(folder)`` in a sibling folder, then move it into place at once.

    An older folder at ``target`` is kept beside it as ``<name>.replaced-<manifest hash>``.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        building.chmod(0o755)
        write(building)
        if target.exists():
            target.rename(target.with_name(f"{target.name}.replaced-{_fingerprint(target)}"))
        building.rename(target)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise




def copy_verified(document: DocumentRef, destination: Path) -> None:
    """Copy ``document`` if its bytes still have the SHA-256 recorded when it was produced."""
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
    write_durably(destination, content)


def _fingerprint(dossier: Path) -> str:
    manifest = dossier / MANIFEST
    return sha256_of_file(manifest)[:12] if manifest.is_file() else "incomplete"




# --- the filing dossier --------------------------------------------------------------------------


@dataclass(frozen=True)
class NumberedExhibit:
    """An exhibit as the bordereau lists it: its number and its file in the dossier."""

    number: int
    kind: str
    dated: date
    file: str
    document: DocumentRef


def numbered_exhibits(exhibits: list[Exhibit]) -> list[NumberedExhibit]:
    """Exhibits in the bordereau's order (invoice, order, notice and its receipt, statement,
    reminders; by date within a kind), numbered from 1; a document given twice is numbered once."""
    unique: dict[DocumentRef, Exhibit] = {}
    for exhibit in sorted(exhibits, key=lambda exhibit: (EXHIBIT_ORDER.index(exhibit.kind), exhibit.dated)):
        unique.setdefault(exhibit.document, exhibit)
    return [
        NumberedExhibit(
            number=number,
            kind=exhibit.kind,
            dated=exhibit.dated,
            file=f"piece-{number:02d}-{Path(exhibit.document.path).name}",
            document=exhibit.document,
        )
        for number, exhibit in enumerate(unique.values(), start=1)
    ]


def filing_values(
    request: FilingRequest, exhibits: list[NumberedExhibit], small_claims_ceiling: Decimal
) -> dict[str, Any]:
    """What the request and bordereau templates see."""
    court = request.decision.court
    return {
        "case_id": request.case_id,
        "creditor": request.creditor,
        "debtor": request.debtor,
        "invoice": request.invoice,
        "business": request.debtor.kind is DebtorKind.BUSINESS,
        "route": request.route,
        "court": court,
        "cerfa": CERFA[court] if court else None,
        "principal": request.principal,
        "interest": request.interest,
        "indemnity": request.indemnity,
        "total": request.decision.claim_amount,
        "penalties": request.penalties,
        "small_claims_ceiling": small_claims_ceiling,
        "notice_received_on": request.notice_received_on,
        "exhibits": exhibits,
        "notice": next((e for e in exhibits if e.kind == "formal_notice"), None),
        "reminders": [e for e in exhibits if e.kind == "reminder"],
        "filed_on": request.filed_on,
    }


def _render_pdf(templates_dir: Path, template: str, values: dict[str, Any]) -> bytes:
    try:
        page = letter_environment(templates_dir).get_template(template).render(values)
    except (TemplateError, ValueError, TypeError) as error:
        # The same request would fail the same way on every retry.
        raise ApplicationError(
            f"filing template {template!r} in {templates_dir} failed: {error}",
            type="TemplateError",
            non_retryable=True,
        ) from error
    return html_to_pdf(page, templates_dir)


def _request_fingerprint(request: FilingRequest) -> str:
    return hashlib.sha256(request.model_dump_json().encode("utf-8")).hexdigest()


def _filing_manifest(
    request: FilingRequest, fingerprint: str, listed: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "case_id": request.case_id,
        # The same request finds its dossier again: a retry rebuilds nothing.
        "request_sha256": fingerprint,
        "filed_on": request.filed_on.isoformat(),
        "route": request.decision.route,
        "court": request.decision.court,
        "claim": {
            "principal": str(request.principal),
            "interest": str(request.interest),
            "indemnity": str(request.indemnity),
            "total": str(request.decision.claim_amount),
        },
        "creditor": request.creditor.model_dump(mode="json"),
        "debtor": request.debtor.model_dump(mode="json"),
        "invoice": request.invoice.model_dump(mode="json"),
        "files": listed,
    }


def _dossier_ref(folder: Path, manifest: bytes, request: FilingRequest) -> FilingDossierRef:
    listed = json.loads(manifest)["files"]
    files = [DocumentRef(path=str(folder / entry["file"]), sha256=entry["sha256"]) for entry in listed]
    manifest_sha256 = hashlib.sha256(manifest).hexdigest()
    return FilingDossierRef(
        path=str(folder),
        manifest_sha256=manifest_sha256,
        route=request.route,
        files=[*files, DocumentRef(path=str(folder / MANIFEST), sha256=manifest_sha256)],
    )


# --- activities ----------------------------------------------------------------------------------


class LegalActivities:
    def __init__(self, settings: Settings, database: Database) -> None:
        self._settings = settings
        self._mail = MailActivities(settings, database)

    @activity.defn
    def handoff_to_bailiff(self, request: HandoffRequest) -> DossierRef:
        target = self._settings.dossiers_dir / folder_name(request.case_id)
        documents = _dossier_documents(request)
        manifest = _manifest_bytes(request, documents)
        reference = DossierRef(path=str(target), manifest_sha256=hashlib.sha256(manifest).hexdigest())
        if (target / MANIFEST).is_file() and (target / MANIFEST).read_bytes() == manifest:
            # A retry after the dossier was completed: it is already there, unchanged.
            return reference

        def write(building: Path) -> None:
            for name, document in documents.items():
                copy_verified(document, building / name)
            write_durably(building / MANIFEST, manifest)

        publish_folder(target, write)
        return reference

    @activity.defn
    def prepare_filing(self, request: FilingRequest) -> FilingDossierRef:
        """The filing dossier of the case, ``<dossiers>/<case>/``: the request of its route, the
        bordereau de pièces, the numbered exhibits, the history export and the manifest."""
        target = self._settings.dossiers_dir / folder_name(request.case_id)
        fingerprint = _request_fingerprint(request)
        if (target / MANIFEST).is_file():
            existing = (target / MANIFEST).read_bytes()
            if json.loads(existing).get("request_sha256") == fingerprint:
                # A retry after the dossier was completed (its PDFs would not render byte for byte).
                return _dossier_ref(target, existing, request)
        template, request_file = REQUESTS[request.route]
        exhibits = numbered_exhibits(request.exhibits)
        ceiling = configured_judicial_rules(self._settings).small_claims.ceiling
        values = filing_values(request, exhibits, ceiling)
        templates_dir = self._settings.templates_dir
        produced = {
            request_file: _render_pdf(templates_dir, template, values),
            f"{BORDEREAU}.pdf": _render_pdf(templates_dir, f"{BORDEREAU}.html.j2", values),
        }
        listed: list[dict[str, Any]] = [
            {"file": name, "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
            for name, content in produced.items()
        ]
        listed += [
            {
                "file": exhibit.file,
                "sha256": exhibit.document.sha256,
                "size": _size(Path(exhibit.document.path)),
                "exhibit": exhibit.number,
                "kind": exhibit.kind,
            }
            for exhibit in exhibits
        ]
        history = request.history
        listed.append({"file": HISTORY, "sha256": history.sha256, "size": _size(Path(history.path))})
        manifest = canonical_json(_filing_manifest(request, fingerprint, listed))

        def write(building: Path) -> None:
            for name, content in produced.items():
                write_durably(building / name, content)
            for exhibit in exhibits:
                copy_verified(exhibit.document, building / exhibit.file)
            copy_verified(history, building / HISTORY)
            write_durably(building / MANIFEST, manifest)

        publish_folder(target, write)
        return _dossier_ref(target, manifest, request)

    @activity.defn
    async def judicial_rules(self) -> JudicialRules:
        """The rules the judicial decision applies (``RELANCE_JUDICIAL_RULES``), as they stand now."""
        # A broken file fails for good: the case holds and says why (see configured_judicial_rules).
        return configured_judicial_rules(self._settings)

    @activity.defn
    def invoice_document(self, request: InvoiceDocumentRequest) -> DocumentRef:
        """The invoice PDF kept for the case, with its SHA-256, to be produced as an exhibit."""
        path = Path(request.path)
        if not path.is_file():
            raise ApplicationError(
                f"invoice PDF {path} of case {request.case_id} is missing",
                type="InvoiceMissing",
                non_retryable=True,
            )
        return DocumentRef(path=str(path), sha256=sha256_of_file(path))

    @activity.defn
    async def export_history(self, request: HistoryExportRequest) -> DocumentRef:
        """The case's Temporal history as it stands, written to ``history-<step>.json`` beside its
        documents: the record a court or an auditor replays. Its payloads are decrypted, as every
        document of the dossier is in clear: the file must not depend on keys that are rotated
        away. A retry writes a later history."""
        name = f"history-{request.step_key}.json"
        if Path(name).name != name:
            raise ApplicationError(
                f"step {request.step_key!r} cannot name a history file", non_retryable=True
            )
        path = self._settings.documents_dir / folder_name(request.case_id) / name
        client = activity.client()
        history = await client.get_workflow_handle(request.case_id).fetch_history()
        history = await decode_history(history, client.data_converter.payload_codec)
        content = history.to_json().encode("utf-8")
        await asyncio.to_thread(write_atomically, path, content)
        return DocumentRef(path=str(path), sha256=hashlib.sha256(content).hexdigest())

    @activity.defn
    async def deliver_to_bailiff(self, delivery: BailiffDelivery) -> BailiffDeliveryReceipt:
        """Email the dossier's files to ``BAILIFF_EMAIL`` when set, else drop a copy of the dossier
        into ``BAILIFF_DROP_DIR/<case>/``. Either way a retry delivers nothing more."""
        if self._settings.bailiff_email:
            # One Message-ID per dossier, journaled once sent: a retry finds it and sends nothing.
            receipt = await self._mail.send_email(
                EmailRequest(
                    case_id=delivery.case_id,
                    step_key=f"{DELIVERY_STEP}.{delivery.dossier.manifest_sha256[:16]}",
                    to=self._settings.bailiff_email,
                    subject=_delivery_subject(delivery),
                    body=_delivery_body(delivery),
                    attachments=delivery.dossier.files,
                )
            )
            return BailiffDeliveryReceipt(
                channel="email",
                reference=receipt.message_id,
                delivered_at=receipt.sent_at,
                duplicate=receipt.duplicate,
            )
        return await asyncio.to_thread(self._drop_copy, delivery)

    def _drop_copy(self, delivery: BailiffDelivery) -> BailiffDeliveryReceipt:
        target = self._settings.bailiff_drop_dir / folder_name(delivery.case_id)
        manifest = target / MANIFEST
        if manifest.is_file() and sha256_of_file(manifest) == delivery.dossier.manifest_sha256:
            dropped_at = datetime.fromtimestamp(manifest.stat().st_mtime, UTC)
            return BailiffDeliveryReceipt(
                channel="folder", reference=str(target), delivered_at=dropped_at, duplicate=True
            )

        def write(building: Path) -> None:
            for document in delivery.dossier.files:
                copy_verified(document, building / Path(document.path).name)

        publish_folder(target, write)
        return BailiffDeliveryReceipt(channel="folder", reference=str(target), delivered_at=datetime.now(UTC))


def _delivery_subject(delivery: BailiffDelivery) -> str:
    return (
        f"Dossier de recouvrement — {delivery.creditor_name} contre {delivery.debtor_name}, "
        f"facture n° {delivery.invoice_number}"
    )


def _delivery_body(delivery: BailiffDelivery) -> str:
    return (
        "Maître,\n\n"
        f"Veuillez trouver ci-joint le dossier de recouvrement de {delivery.creditor_name} contre "
        f"{delivery.debtor_name} (facture n° {delivery.invoice_number}, référence {delivery.case_id}) : "
        f"{ROUTE_FR[delivery.dossier.route]}, bordereau de pièces et pièces numérotées.\n\n"
        f"Le fichier {MANIFEST} donne l'empreinte SHA-256 de chaque fichier ; l'historique du dossier "
        f"figure dans {HISTORY}.\n\n"
        "Nous vous prions d'agréer, Maître, l'expression de nos salutations distinguées.\n\n"
        f"Pour {delivery.creditor_name}\n"
    )


# --- the earlier hand-off ------------------------------------------------------------------------


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
        {"file": name, "sha256": ref.sha256, "size": _size(Path(ref.path))} for name, ref in documents.items()
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


def _size(path: Path) -> int | None:
    """The source's size; None when it is gone (the copy then refuses to build the dossier)."""
    return path.stat().st_size if path.is_file() else None
