"""Registered letters (lettre recommandée) through a provider, and what became of them.

A formal notice goes by registered letter with acknowledgment of receipt (LRAR) or by electronic
registered letter (LRE, CPCE L100), and its proofs are kept. Three providers share one interface:
``post`` sends a letter and returns its tracking id; ``status`` tells what happened to it since —
deposited, first presented, then received, refused or not claimed — with the provider's proofs,
each stored as ``registered/<case>/<step>/proof-<kind>.pdf``. ``post`` is idempotent by key: posting
the same letter twice returns the same tracking id and sends nothing new.

``outbox`` (the embedded default)
    Files each letter and its ``receipt.json`` under ``registered/<case>/<step>/`` and plays its
    delivery on this machine, in seconds instead of days, so that the demo and the tests walk a
    whole ladder: deposited when posted, first presented ``RELANCE_OUTBOX_PRESENTATION_DELAY``
    seconds later, received ``RELANCE_OUTBOX_DELIVERY_DELAY`` seconds after that. Its proofs are
    PDFs marked as a simulation. To play another outcome, drop ``outcome.json`` in the letter's
    folder before the letter is received: ``{"kind": "refused"}`` or ``{"kind": "not_claimed"}``.
    The outcome is fixed once its proof is written: a file dropped later changes nothing.

``http``
    An LRE provider's JSON API at ``REGISTERED_MAIL_URL``, each call carrying
    ``Authorization: Bearer <REGISTERED_MAIL_TOKEN>`` and waiting ``REGISTERED_MAIL_TIMEOUT`` seconds
    at most:

    - ``POST /letters`` with ``Idempotency-Key: <key>`` and the JSON body ``{"sender": {"name",
      "address": [lines]}, "recipient": {same}, "document": FILE, "attachments": [FILE],
      "reference": "<case>/<step>"}``, where a FILE is ``{"filename", "content_base64", "sha256"}``.
      ``200`` or ``201`` answer ``{"tracking_id": ...}``, and so does ``409`` when the key was used
      before: the letter went out once, with the first call.
    - ``GET /letters/{tracking_id}`` answers ``{"tracking_id": ..., "events": [{"kind": ..., "at":
      ISO 8601 with its offset, "proof": FILE | null}]}``, ``kind`` being ``deposited``,
      ``first_presentation``, ``received``, ``refused`` or ``not_claimed``. A proof whose bytes do
      not match its SHA-256 is refused and never stored.

    Time-outs, unreachable servers and ``5xx`` answers are retried; other ``4xx`` are refusals,
    never retried.

``postal``
    Writes one PDF per letter, ``registered/postal/<case>/<step>.pdf``: an address page for a window
    envelope, the letter, then its attachments, ready to upload to a postal registered-mail
    service. The letter's tracking id is ``PENDING-…`` until an agent records the post's number
    (``record_postal_tracking``, or a status asked with that number), and what the post reports
    then (``record_postal_event``); both go to ``registered/postal/<case>/<step>.json``. Its status
    shows no event until the number is known.
"""

from __future__ import annotations

import asyncio
import base64
import fcntl
import hashlib
import html
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from temporalio.exceptions import ApplicationError

from activities.pdf_rendering import html_to_pdf
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
from support.french import LETTER_TIMEZONE, date_fr

RECEIPT = "receipt.json"
OUTCOME = "outcome.json"
PENDING_PREFIX = "PENDING-"
FINAL_KINDS = tuple(kind for kind in DeliveryEventKind if kind.final)


class RegisteredMailProvider(ABC):
    name: str

    @abstractmethod
    async def post(self, letter: RegisteredLetterRequest, idempotency_key: str) -> str:
        """Send the letter; return the provider's tracking id."""

    @abstractmethod
    async def status(self, request: RegisteredStatusRequest) -> DeliveryStatus:
        """What happened to the letter so far, each proof stored at ``delivery_proof_path``."""


def delivery_proof_path(folder: Path, case_id: str, step_key: str, kind: DeliveryEventKind) -> Path:
    """Where the proof of one delivery event of a case's letter is kept, whatever the provider."""
    return folder / case_id / step_key / f"proof-{kind}.pdf"


def _store_proof(path: Path, content: bytes) -> DocumentRef:
    sha256 = sha256_of(content)
    if not (path.is_file() and sha256_of(path.read_bytes()) == sha256):
        write_atomically(path, content)
    return DocumentRef(path=str(path), sha256=sha256)


def _delivery_status(provider: str, tracking_id: str, events: list[DeliveryEvent]) -> DeliveryStatus:
    return DeliveryStatus(
        provider=provider,
        tracking_id=tracking_id,
        events=events,
        final=any(event.kind.final for event in events),
    )


def _unknown_letter(provider: str, request: RegisteredStatusRequest) -> ApplicationError:
    return ApplicationError(
        f"the {provider} provider has no registered letter {request.tracking_id} "
        f"for {request.case_id}/{request.step_key}",
        type="RegisteredLetterUnknown",
        non_retryable=True,
    )


def _sender_and_recipient(letter: RegisteredLetterRequest) -> dict[str, dict[str, Any]]:
    return {
        "sender": {"name": letter.sender_name, "address": letter.sender_address.lines()},
        "recipient": {"name": letter.recipient_name, "address": letter.recipient_address.lines()},
    }


# --- outbox: the embedded provider ------------------------------------------------------------


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
        tracking_id = "LOCAL-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:12].upper()
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
            **_sender_and_recipient(letter),
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
            raise _unknown_letter(self.name, request) from None
        if receipt["tracking_id"] != request.tracking_id:
            raise _unknown_letter(self.name, request)
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
        return _delivery_status(self.name, request.tracking_id, events)

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
        return _store_proof(path, _simulated_proof(receipt, kind, at))


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


def _lines_html(lines: list[str]) -> str:
    return "<br>".join(html.escape(line) for line in lines)


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
      <h2>Expéditeur</h2><p>{_lines_html([receipt["sender"]["name"], *receipt["sender"]["address"]])}</p>
      <h2>Destinataire</h2>
      <p>{_lines_html([receipt["recipient"]["name"], *receipt["recipient"]["address"]])}</p>
      <h2>Documents</h2><ul>{files}</ul>
      <p class="simulation">Simulation du prestataire local de Relance : ce document n'a aucune valeur
      de preuve.</p>
    </body></html>"""
    return html_to_pdf(page)


# --- http: an electronic registered-letter (LRE) provider ---------------------------------------


class HttpRegisteredMail(RegisteredMailProvider):
    """An electronic registered-letter provider behind the JSON API of the module's docstring."""

    name = "http"

    def __init__(self, base_url: str, token: str, folder: Path, timeout_seconds: float) -> None:
        if not base_url:
            raise ValueError("REGISTERED_MAIL_URL is required for the http registered-mail provider")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.folder = folder
        self.timeout_seconds = timeout_seconds

    async def post(self, letter: RegisteredLetterRequest, idempotency_key: str) -> str:
        return await asyncio.to_thread(self._post, letter, idempotency_key)

    def _post(self, letter: RegisteredLetterRequest, idempotency_key: str) -> str:
        body = {
            **_sender_and_recipient(letter),
            "document": _encoded(letter.document),
            "attachments": [_encoded(attachment) for attachment in letter.attachments],
            "reference": f"{letter.case_id}/{letter.step_key}",
        }
        answer = self._call("/letters", body=body, idempotency_key=idempotency_key)
        try:
            return str(json.loads(answer)["tracking_id"])
        except (ValueError, KeyError, TypeError) as error:
            raise RuntimeError(
                f"registered-mail provider answered without a tracking id: {answer[:200]!r}"
            ) from error

    async def status(self, request: RegisteredStatusRequest) -> DeliveryStatus:
        return await asyncio.to_thread(self._status, request)

    def _status(self, request: RegisteredStatusRequest) -> DeliveryStatus:
        answer = self._call(f"/letters/{urllib.parse.quote(request.tracking_id, safe='')}")
        events = []
        try:
            for item in json.loads(answer)["events"]:
                kind = DeliveryEventKind(item["kind"])
                proof = self._proof(request, kind, item["proof"]) if item.get("proof") else None
                events.append(DeliveryEvent(kind=kind, at=item["at"], proof=proof))
        except (ValueError, KeyError, TypeError, ValidationError) as error:
            raise RuntimeError(
                f"registered-mail provider answered an unreadable status: {answer[:200]!r}"
            ) from error
        return _delivery_status(self.name, request.tracking_id, events)

    def _proof(
        self, request: RegisteredStatusRequest, kind: DeliveryEventKind, proof: dict[str, Any]
    ) -> DocumentRef:
        content = base64.b64decode(proof["content_base64"], validate=True)
        if sha256_of(content) != str(proof["sha256"]).lower():
            raise ApplicationError(
                f"the provider's proof of {kind} for letter {request.tracking_id} does not match its "
                "SHA-256: not stored",
                type="ProofCorrupted",
                non_retryable=True,
            )
        return _store_proof(
            delivery_proof_path(self.folder, request.case_id, request.step_key, kind), content
        )

    def _call(
        self, path: str, body: dict[str, Any] | None = None, idempotency_key: str | None = None
    ) -> bytes:
        """GET ``path``, or POST ``body`` under ``idempotency_key``; a ``409`` gives the first answer."""
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        if body is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            f"{self.base_url}{path}",
            data=None if body is None else json.dumps(body).encode("utf-8"),
            method="GET" if body is None else "POST",
            headers=headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            answer = error.read()
            if error.code == 409 and idempotency_key is not None:
                return answer
            if 400 <= error.code < 500:
                raise ApplicationError(
                    f"registered-mail provider refused {request.method} {path} ({error.code}): "
                    f"{_message(answer)}",
                    type="RegisteredLetterRefused",
                    non_retryable=True,
                ) from error
            raise ApplicationError(
                f"registered-mail provider failed ({error.code}): {_message(answer)}",
                type="RegisteredMailUnavailable",
            ) from error
        # Time-outs, refused connections and broken answers: the provider may come back.
        except (OSError, http.client.HTTPException) as error:
            raise ApplicationError(
                f"registered-mail provider at {self.base_url} unreachable or silent for "
                f"{self.timeout_seconds:g} s: {error!r}",
                type="RegisteredMailUnavailable",
            ) from error


def _message(answer: bytes) -> str:
    try:
        return str(json.loads(answer).get("message", answer[:200]))
    except (ValueError, AttributeError):
        return answer[:200].decode("utf-8", "replace")


def _encoded(document: DocumentRef) -> dict[str, str]:
    path = Path(document.path)
    return {
        "filename": path.name,
        "content_base64": base64.b64encode(path.read_bytes()).decode("ascii"),
        "sha256": document.sha256,
    }


# --- postal: a pack for a postal registered-mail service ------------------------------------------


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
        pending_id = PENDING_PREFIX + hashlib.sha256(idempotency_key.encode()).hexdigest()[:12].upper()
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
                        raise _unknown_letter(self.name, request) from None
        except LookupError:
            raise _unknown_letter(self.name, request) from None
        if record["tracking_number"] is None:
            return _delivery_status(self.name, request.tracking_id, [])
        events = [DeliveryEvent.model_validate(event) for event in record["events"]]
        return _delivery_status(self.name, record["tracking_number"], events)


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
        raise LookupError(f"no postal registered letter for {case_id}/{step_key} (looked for {path})")
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
        raise ValueError(f"{tracking_number!r} is not a tracking number given by the post")
    if record["tracking_number"] not in (None, number):
        raise ValueError(f"this letter already has the tracking number {record['tracking_number']}")
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
                raise ValueError(f"{kind} is already recorded for {case_id}/{step_key}, at {earlier.at}")
            if earlier.kind.final and event.kind.final:
                raise ValueError(f"{case_id}/{step_key} already has its outcome: {earlier.kind}")
        if content is not None:
            _store_proof(stored_at, content)
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
    sender = _lines_html([letter.sender_name, *letter.sender_address.lines()])
    recipient = _lines_html([letter.recipient_name, *letter.recipient_address.lines()])
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


def registered_mail_provider(settings: Settings, name: str | None = None) -> RegisteredMailProvider:
    """The provider called ``name`` (the one a letter went through), by default the configured one."""
    chosen = name or settings.registered_mail_provider
    if chosen == "outbox":
        return OutboxRegisteredMail(
            settings.registered_mail_dir,
            presentation_delay=timedelta(seconds=settings.outbox_presentation_delay_seconds),
            delivery_delay=timedelta(seconds=settings.outbox_delivery_delay_seconds),
        )
    if chosen == "http":
        return HttpRegisteredMail(
            settings.registered_mail_url,
            settings.registered_mail_token,
            settings.registered_mail_dir,
            settings.registered_mail_timeout_seconds,
        )
    if chosen == "postal":
        return PostalRegisteredMail(settings.registered_mail_dir)
    raise ValueError(f"registered-mail provider {chosen!r}: expected 'outbox', 'http' or 'postal'")
