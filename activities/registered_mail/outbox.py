"""The ``outbox`` provider, the embedded default.

Files each letter and its ``receipt.json`` under ``registered/<case>/<step>/`` and plays its
delivery on this machine, in seconds instead of days, so that the demo and the tests walk a whole
ladder: deposited when posted, first presented ``RELANCE_OUTBOX_PRESENTATION_DELAY`` seconds later,
received ``RELANCE_OUTBOX_DELIVERY_DELAY`` seconds after that. Its proofs are PDFs marked as a
simulation, stating what a real proof states. To play another outcome, drop ``outcome.json`` in
the letter's folder before the letter is received: ``{"kind": "refused"}`` or
``{"kind": "not_claimed"}``. The outcome is fixed once its proof is written: a file dropped later
changes nothing.
"""

from __future__ import annotations

import asyncio
import html
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from activities.registered_mail.provider import (
    RegisteredMailProvider,
    delivery_proof_path,
    delivery_status,
    lines_html,
    local_tracking_id,
    sender_and_recipient,
    store_proof,
    unknown_letter,
)
from activities.rendering.pdf import html_to_pdf
from models.documents import DocumentRef
from models.mail import (
    DeliveryEvent,
    DeliveryEventKind,
    DeliveryStatus,
    RegisteredLetterRequest,
    RegisteredStatusRequest,
)
from support.files import sha256_of, write_atomically
from support.french import LETTER_TIMEZONE, date_fr

RECEIPT = "receipt.json"
OUTCOME = "outcome.json"
FINAL_KINDS = tuple(kind for kind in DeliveryEventKind if kind.final)


class OutboxRegisteredMail(RegisteredMailProvider):
    """Files the letter and its receipt under ``folder/case/step/`` and plays its delivery."""

    name = "outbox"

    def __init__(self, folder: Path, presentation_delay: timedelta, delivery_delay: timedelta) -> None:
        self.folder = folder
        self.presentation_delay = presentation_delay
        self.delivery_delay = delivery_delay

    async def post(self, letter: RegisteredLetterRequest, idempotency_key: str) -> str:
        return await asyncio.to_thread(self._file, letter, idempotency_key)

    def _file(self, letter: RegisteredLetterRequest, idempotency_key: str) -> str:
        tracking_id = local_tracking_id("LOCAL-", idempotency_key)
        target = self.folder / letter.case_id / letter.step_key
        receipt = target / RECEIPT
        if receipt.is_file():
            return str(json.loads(receipt.read_text(encoding="utf-8"))["tracking_id"])
        for enclosed in (letter.document, *letter.attachments):
            path = Path(enclosed.path)
            write_atomically(target / path.name, path.read_bytes())
        content = {
            "tracking_id": tracking_id,
            "provider": self.name,
            "posted_at": datetime.now(UTC).isoformat(),
            **sender_and_recipient(letter),
            "document": {"file": Path(letter.document.path).name, "sha256": letter.document.sha256},
            "attachments": [{"file": Path(a.path).name, "sha256": a.sha256} for a in letter.attachments],
        }
        # The receipt is written last: its presence means the letter was filed whole.
        write_atomically(receipt, json.dumps(content, ensure_ascii=False, indent=2).encode("utf-8"))
        return tracking_id

    async def status(self, request: RegisteredStatusRequest) -> DeliveryStatus:
        return await asyncio.to_thread(self._status, request)

    def _status(self, request: RegisteredStatusRequest) -> DeliveryStatus:
        target = self.folder / request.case_id / request.step_key
        try:
            receipt = json.loads((target / RECEIPT).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise unknown_letter(self.name, request) from None
        if receipt["tracking_id"] != request.tracking_id:
            raise unknown_letter(self.name, request)
        posted_at = datetime.fromisoformat(receipt["posted_at"])
        presented_at = posted_at + self.presentation_delay
        settled_at = presented_at + self.delivery_delay
        now = datetime.now(UTC)
        deposited = DeliveryEventKind.DEPOSITED
        proof = self._proof(request, receipt, deposited, posted_at)
        events = [DeliveryEvent(kind=deposited, at=posted_at, proof=proof)]
        if now >= presented_at:
            events.append(DeliveryEvent(kind=DeliveryEventKind.FIRST_PRESENTATION, at=presented_at))
        if now >= settled_at:
            outcome = self._outcome(request)
            proof = self._proof(request, receipt, outcome, settled_at)
            events.append(DeliveryEvent(kind=outcome, at=settled_at, proof=proof))
        return delivery_status(self.name, request.tracking_id, events)

    def _outcome(self, request: RegisteredStatusRequest) -> DeliveryEventKind:
        for kind in FINAL_KINDS:
            if delivery_proof_path(self.folder, request.case_id, request.step_key, kind).is_file():
                return kind
        forced = self.folder / request.case_id / request.step_key / OUTCOME
        if not forced.is_file():
            return DeliveryEventKind.RECEIVED
        try:
            kind = DeliveryEventKind(json.loads(forced.read_text(encoding="utf-8"))["kind"])
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(
                f'{forced} should read {{"kind": "refused"}} or {{"kind": "not_claimed"}}'
            ) from error
        if not kind.final:
            raise ValueError(f"{forced}: {kind} is not an outcome (received, refused or not_claimed)")
        return kind

    def _proof(
        self, request: RegisteredStatusRequest, receipt: dict[str, Any], kind: DeliveryEventKind, at: datetime
    ) -> DocumentRef:
        """The simulated proof, rendered once: its bytes, hence its hash, never change afterwards."""
        path = delivery_proof_path(self.folder, request.case_id, request.step_key, kind)
        if path.is_file():
            return DocumentRef(path=str(path), sha256=sha256_of(path.read_bytes()))
        return store_proof(path, _simulated_proof(receipt, kind, at))


# What a proof states, after the LRE's (CPCE R53-2 for the deposit, R53-3 II and III for the
# receipt, the refusal and the non-claim) and the LRAR's (arrêté of 7 February 2007, articles 2 to 4).
_PROOF_TITLES = {
    DeliveryEventKind.DEPOSITED: ("Preuve de dépôt", None),
    DeliveryEventKind.RECEIVED: ("Preuve de réception", "Reçue le"),
    DeliveryEventKind.REFUSED: ("Preuve de refus", "Refusée le"),
    DeliveryEventKind.NOT_CLAIMED: ("Preuve de non-réclamation", "Non réclamée, délai expiré le"),
}


def _when(at: datetime) -> str:
    return f"{date_fr(at)} à {at.astimezone(LETTER_TIMEZONE):%H:%M:%S} (heure de Paris)"


def _simulated_proof(receipt: dict[str, Any], kind: DeliveryEventKind, at: datetime) -> bytes:
    title, verb = _PROOF_TITLES[kind]
    settled = "" if verb is None else f"<br>{verb} {_when(at)}"
    enclosed = [receipt["document"], *receipt["attachments"]]
    files = "".join(
        f"<li>{html.escape(item['file'])}<br><small>SHA-256 {html.escape(item['sha256'])}</small></li>"
        for item in enclosed
    )
    page = f"""<html lang="fr"><head><meta charset="utf-8"><style>
      @page {{ size: A4; margin: 20mm; }}
      body {{ font: 10pt/1.4 "DejaVu Sans", sans-serif; }}
      h1 {{ font-size: 16pt; }} small {{ font-size: 7.5pt; }}
      .simulation {{ border: 0.5mm solid #b00; color: #b00; padding: 2mm; }}
    </style></head><body>
      <h1>{title}</h1>
      <p>Lettre recommandée n° {html.escape(receipt["tracking_id"])}</p>
      <p>Déposée le {_when(datetime.fromisoformat(receipt["posted_at"]))}{settled}</p>
      <h2>Expéditeur</h2><p>{lines_html([receipt["sender"]["name"], *receipt["sender"]["address"]])}</p>
      <h2>Destinataire</h2>
      <p>{lines_html([receipt["recipient"]["name"], *receipt["recipient"]["address"]])}</p>
      <h2>Documents</h2><ul>{files}</ul>
      <p class="simulation">Simulation du prestataire local de Relance : ce document n'a aucune valeur
      de preuve.</p>
    </body></html>"""
    return html_to_pdf(page)
