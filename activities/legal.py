"""Legal: the activities building a case's dossiers — the judicial filing dossier and the earlier
hand-off of its documents (``activities.dossiers``) — delivering the filing dossier to the
commissaire de justice (ex-huissier), exporting the case's history for it, and drawing the
declaration of claim when the debtor is under collective proceedings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.dossiers.delivery import DELIVERY_STEP, delivery_body, delivery_subject, drop_copy
from activities.dossiers.filing import completed_filing, write_filing
from activities.dossiers.folders import folder_name
from activities.dossiers.grouped_filing import grouped_reference, write_grouped_filing
from activities.dossiers.handoff import write_handoff
from activities.judicial_rules import configured_court_table, configured_judicial_rules
from activities.mail import MailActivities
from activities.paths import path_part
from activities.rendering.claim_declaration import DECLARATION_TEMPLATE, declaration_file, declaration_values
from activities.rendering.templates import template_pdf
from config.settings import Settings
from law.courts import CourtEntry, competent_court
from law.judicial import JudicialDecision, JudicialRules
from models.court import (
    BailiffDelivery,
    BailiffDeliveryReceipt,
    DossierRef,
    FilingDossierRef,
    FilingRequest,
    GroupedFilingRequest,
    HandoffRequest,
    HistoryExportRequest,
    InvoiceDocumentRequest,
)
from models.documents import DocumentRef
from models.insolvency import ClaimDeclarationRequest
from models.mail import EmailRequest
from models.parties import DebtorInfo
from security.payload_codec import decode_history
from storage.database import Database
from support.files import sha256_of, sha256_of_file, write_atomically


class LegalActivities:
    def __init__(self, settings: Settings, database: Database) -> None:
        self._settings = settings
        self._mail = MailActivities(settings, database)

    @activity.defn
    def handoff_to_bailiff(self, request: HandoffRequest) -> DossierRef:
        return write_handoff(self._settings.dossiers_dir / folder_name(request.case_id), request)

    @activity.defn
    def prepare_filing(self, request: FilingRequest) -> FilingDossierRef:
        """The filing dossier of the case, ``<dossiers>/<case>/``: the request of its route, the
        bordereau de pièces, the numbered exhibits, the history export and the manifest."""
        return self._filing(folder_name(request.case_id), request, write_filing)

    @activity.defn
    def prepare_grouped_filing(self, request: GroupedFilingRequest) -> FilingDossierRef:
        """The filing dossier of several invoices of one debtor, ``<dossiers>/<account>-<key>/``:
        one request of the route of their combined principal and interest (CPCE L125-1) with each
        invoice's breakdown (CPC 1407), the bordereau numbering every exhibit once, each case's
        history export and the manifest. A retry of the same request rebuilds nothing."""
        return self._filing(folder_name(grouped_reference(request)), request, write_grouped_filing)

    def _filing(
        self,
        folder: str,
        request: FilingRequest | GroupedFilingRequest,
        write: Callable[..., FilingDossierRef],
    ) -> FilingDossierRef:
        """The dossier ``<dossiers>/<folder>/`` completed for this request, or written by ``write``."""
        target = self._settings.dossiers_dir / folder
        completed = completed_filing(target, request)
        if completed is not None:
            return completed
        ceiling = configured_judicial_rules(self._settings).small_claims.ceiling
        court = self._competent_court(request.decision, request.debtor)
        return write(target, request, self._settings.templates_dir, ceiling, court)

    def _competent_court(self, decision: JudicialDecision, debtor: DebtorInfo) -> CourtEntry | None:
        """The court a filing is addressed to, named from the debtor's postcode here, not in the
        workflow: cases filed before the court table existed replay as they ran (CPC 1406: the
        court of the debtor's domicile)."""
        matter, courts = decision.court, configured_court_table(self._settings)
        return competent_court(courts, debtor.address.postcode, matter) if matter else None

    @activity.defn
    def draw_claim_declaration(self, request: ClaimDeclarationRequest) -> DocumentRef:
        """The declaration of claim to the mandataire judiciaire as a French PDF, beside the case's
        letters (Code de commerce L622-24, R622-23); a retry writes the same file again."""
        values = declaration_values(request)
        pdf = template_pdf(self._settings.templates_dir, DECLARATION_TEMPLATE, values, "claim declaration")
        path = self._settings.documents_dir / path_part(request.case_id) / declaration_file(request.number)
        write_atomically(path, pdf)
        return DocumentRef(path=str(path), sha256=sha256_of(pdf))

    @activity.defn
    async def judicial_rules(self) -> JudicialRules:
        """The rules the judicial decision applies (``RELANCE_JUDICIAL_RULES``), as they stand now."""
        # A broken file fails for good: the case holds and says why (see configured_judicial_rules).
        return configured_judicial_rules(self._settings)

    @activity.defn
    def invoice_document(self, request: InvoiceDocumentRequest) -> DocumentRef:
        """The invoice PDF kept for the case, or its signed quote or order's, with its SHA-256, to be
        produced as an exhibit."""
        path = Path(request.path)
        if not path.is_file():
            raise ApplicationError(
                f"{request.kind} PDF {path} of case {request.case_id} is missing",
                type="InvoiceMissing" if request.kind == "invoice" else "OrderMissing",
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
        return DocumentRef(path=str(path), sha256=sha256_of(content))

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
                    subject=delivery_subject(delivery),
                    body=delivery_body(delivery),
                    attachments=delivery.dossier.files,
                )
            )
            return BailiffDeliveryReceipt(
                channel="email",
                reference=receipt.message_id,
                delivered_at=receipt.sent_at,
                duplicate=receipt.duplicate,
            )
        target = self._settings.bailiff_drop_dir / folder_name(delivery.case_id)
        return await asyncio.to_thread(drop_copy, target, delivery)
