"""The ``postal`` provider: a pack for a postal registered-mail service, and the letter's record.

Writes one PDF per letter, ``registered/postal/<case>/<step>.pdf``: an address page for a window
envelope, the letter, then its attachments, ready to upload to a postal registered-mail service.
The letter's tracking id is ``PENDING-…`` until an agent records the post's number
(``record_postal_tracking``, or a status asked with that number), and what the post reports then
(``record_postal_event``); both go to the letter's record, ``registered/postal/<case>/<step>.json``,
held against concurrent writers. Its status shows no event until the number is known.
"""

from __future__ import annotations

import asyncio
import fcntl
import html
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from temporalio.exceptions import ApplicationError

from activities.registered_mail.provider import (
    RegisteredMailProvider,
    delivery_proof_path,
    delivery_status,
    lines_html,
    local_tracking_id,
    store_proof,
    unknown_letter,
)
from activities.rendering.pdf import html_to_pdf
from config.settings import Settings
from models.documents import DocumentRef
from models.mail import (
    DeliveryEvent,
    DeliveryEventKind,
    DeliveryStatus,
    RegisteredLetterRequest,
    RegisteredStatusRequest,
)
from support.files import sha256_of, write_atomically
from support.french import moment_fr

PENDING_PREFIX = "PENDING-"


class PostalRegisteredMail(RegisteredMailProvider):
    """One PDF per letter for an agent to post; delivery as the agent records it."""

    name = "postal"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def post(self, letter: RegisteredLetterRequest, idempotency_key: str) -> str:
        return await asyncio.to_thread(self._pack, letter, idempotency_key)

    def _pack(self, letter: RegisteredLetterRequest, idempotency_key: str) -> str:
        record = _postal_record_path(self.folder, letter.case_id, letter.step_key)
        if record.is_file():
            return str(json.loads(record.read_text(encoding="utf-8"))["pending_id"])
        pending_id = local_tracking_id(PENDING_PREFIX, idempotency_key)
        pack = _postal_pack(letter, pending_id)
        pack_path = record.with_suffix(".pdf")
        write_atomically(pack_path, pack)
        content = {
            "pending_id": pending_id,
            "packed_at": datetime.now(UTC).isoformat(),
            "pack": {"file": pack_path.name, "sha256": sha256_of(pack)},
            "tracking_number": None,
            "events": [],
        }
        # The record is written last: its presence means the pack is whole.
        write_atomically(record, _json_bytes(content))
        return pending_id

    async def status(self, request: RegisteredStatusRequest) -> DeliveryStatus:
        return await asyncio.to_thread(self._status, request)

    def _status(self, request: RegisteredStatusRequest) -> DeliveryStatus:
        try:
            with _postal_record(self.folder, request.case_id, request.step_key) as record:
                if request.tracking_id != record["pending_id"]:
                    # Asked with the post's number (an agent gave it to the case): it is the letter's,
                    # unless the letter already has another one.
                    try:
                        _record_tracking_number(record, request.tracking_id)
                    except ValueError:
                        raise unknown_letter(self.name, request) from None
        except LookupError:
            raise unknown_letter(self.name, request) from None
        if record["tracking_number"] is None:
            return delivery_status(self.name, request.tracking_id, [])
        events = [DeliveryEvent.model_validate(event) for event in record["events"]]
        return delivery_status(self.name, record["tracking_number"], events)


def _postal_record_path(folder: Path, case_id: str, step_key: str) -> Path:
    return folder / "postal" / case_id / f"{step_key}.json"


def postal_pack_path(settings: Settings, case_id: str, step_key: str) -> Path:
    """The PDF an agent uploads to the postal registered-mail service for this letter."""
    return _postal_record_path(settings.registered_mail_dir, case_id, step_key).with_suffix(".pdf")


def _json_bytes(content: dict[str, Any]) -> bytes:
    return json.dumps(content, ensure_ascii=False, indent=2).encode("utf-8")


@contextmanager
def _postal_record(folder: Path, case_id: str, step_key: str) -> Iterator[dict[str, Any]]:
    """The letter's record, held against concurrent writers (the worker, the command line) and
    written back when changed; LookupError when the letter was never packed."""
    path = _postal_record_path(folder, case_id, step_key)
    if not path.is_file():
        raise LookupError(f"pas de lettre recommandée postale pour {case_id}/{step_key} (cherchée : {path})")
    with (path.parent / f".{path.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        original = path.read_bytes()
        record = json.loads(original)
        yield record
        if _json_bytes(record) != original:
            write_atomically(path, _json_bytes(record))


def _record_tracking_number(record: dict[str, Any], tracking_number: str) -> None:
    number = tracking_number.strip()
    if not number or number.startswith(PENDING_PREFIX):
        raise ValueError(f"{tracking_number!r} n'est pas un numéro de suivi donné par la Poste")
    if record["tracking_number"] not in (None, number):
        raise ValueError(f"cette lettre a déjà le numéro de suivi {record['tracking_number']}")
    record["tracking_number"] = number


def record_postal_tracking(settings: Settings, case_id: str, step_key: str, tracking_number: str) -> None:
    """Give a packed letter the number the post gave it once posted. Recording it again is a no-op;
    another number is refused (ValueError), so is a letter never packed (LookupError)."""
    with _postal_record(settings.registered_mail_dir, case_id, step_key) as record:
        _record_tracking_number(record, tracking_number)


def record_postal_event(
    settings: Settings,
    case_id: str,
    step_key: str,
    kind: DeliveryEventKind,
    at: datetime,
    proof_path: Path | None = None,
) -> DeliveryEvent:
    """Record what the post reports for a packed letter (``at`` with its offset), with its proof
    (the deposit slip, the signed acknowledgment of receipt, the letter returned unclaimed) copied
    beside the letter's other proofs. Recording the same event again is a no-op; another date or
    proof for a recorded kind, or a second outcome, is refused (ValueError), so is a letter never
    packed (LookupError)."""
    stored_at = delivery_proof_path(settings.registered_mail_dir, case_id, step_key, kind)
    content = None if proof_path is None else proof_path.read_bytes()
    proof = None if content is None else DocumentRef(path=str(stored_at), sha256=sha256_of(content))
    event = DeliveryEvent(kind=kind, at=at, proof=proof)
    with _postal_record(settings.registered_mail_dir, case_id, step_key) as record:
        recorded = [DeliveryEvent.model_validate(item) for item in record["events"]]
        for earlier in recorded:
            if earlier == event:
                return earlier
            if earlier.kind == event.kind:
                raise ValueError(
                    f"{kind} est déjà enregistré pour {case_id}/{step_key}, le {moment_fr(earlier.at)}"
                )
            if earlier.kind.final and event.kind.final:
                raise ValueError(f"{case_id}/{step_key} a déjà son issue : {earlier.kind}")
        if content is not None:
            store_proof(stored_at, content)
        record["events"] = [
            item.model_dump(mode="json") for item in sorted([*recorded, event], key=lambda item: item.at)
        ]
        return event


def _postal_pack(letter: RegisteredLetterRequest, reference: str) -> bytes:
    writer = PdfWriter()
    writer.append(PdfReader(BytesIO(_address_page(letter, reference))))
    for enclosed in (letter.document, *letter.attachments):
        try:
            writer.append(PdfReader(enclosed.path))
        except PyPdfError as error:
            raise ApplicationError(
                f"{enclosed.path} is not a PDF that can be printed: {error}",
                type="DocumentUnreadable",
                non_retryable=True,
            ) from error
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _address_page(letter: RegisteredLetterRequest, reference: str) -> bytes:
    """The pack's first page. Folded in three into a DL envelope, the window shows the band 100 to
    200 mm from the sheet's left edge and 45 to 95 mm from its top: the recipient sits there, as on
    every letter (letter_templates/base.html.j2)."""
    sender = lines_html([letter.sender_name, *letter.sender_address.lines()])
    recipient = lines_html([letter.recipient_name, *letter.recipient_address.lines()])
    page = f"""<html lang="fr"><head><meta charset="utf-8"><style>
      @page {{ size: A4; margin: 0; }}
      body {{ margin: 0; font: 10.5pt/1.35 "DejaVu Sans", sans-serif; }}
      .sender {{ position: absolute; left: 20mm; top: 15mm; width: 75mm; font-size: 9pt; }}
      .recipient {{ position: absolute; left: 105mm; top: 50mm; width: 85mm; height: 40mm; }}
      .mode {{ position: absolute; left: 20mm; top: 110mm; width: 170mm; }}
    </style></head><body>
      <div class="sender">Expéditeur<br>{sender}</div>
      <div class="recipient">{recipient}</div>
      <div class="mode"><strong>LETTRE RECOMMANDÉE AVEC DEMANDE D'AVIS DE RÉCEPTION</strong><br>
        Référence {html.escape(letter.case_id)} / {html.escape(letter.step_key)} ({reference})</div>
    </body></html>"""
    return html_to_pdf(page)
