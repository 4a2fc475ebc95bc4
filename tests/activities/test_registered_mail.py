"""Registered letters: the embedded outbox provider and the delivery it plays, the postal pack, and
the HTTP provider against a real local HTTP server playing the provider's side of the contract."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from temporalio.exceptions import ApplicationError
from weasyprint import HTML

from activities.mail import MailActivities
from activities.registered_mail import registered_mail_provider
from activities.registered_mail.http import HttpRegisteredMail
from activities.registered_mail.outbox import OutboxRegisteredMail
from activities.registered_mail.postal import (
    PostalRegisteredMail,
    postal_pack_path,
    record_postal_event,
    record_postal_tracking,
)
from config.settings import Settings
from models.documents import DocumentRef
from models.mail import DeliveryEventKind, RegisteredLetterRequest, RegisteredStatusRequest
from models.parties import Address
from storage.database import Database
from storage.journal import case_events
from tests.fixtures.pdf import MM, flat, pdf_text, text_runs

PDF = b"%PDF-1.4\n% mise en demeure\n%%EOF\n"
CASE = "invoice-123456782-F-1"
KEY = f"registered:{CASE}:formal_notice"
PARIS = ZoneInfo("Europe/Paris")
A4_HEIGHT_MM = 297
Kind = DeliveryEventKind


def letter(
    tmp_path: Path, document: DocumentRef | None = None, *attachments: DocumentRef
) -> RegisteredLetterRequest:
    if document is None:
        path = tmp_path / "formal_notice.red.pdf"
        path.write_bytes(PDF)
        document = DocumentRef(path=str(path), sha256=hashlib.sha256(PDF).hexdigest())
    return RegisteredLetterRequest(
        case_id=CASE,
        step_key="formal_notice",
        recipient_name="Bâtiments Martin SAS",
        recipient_address=Address(street="4 avenue Jean Jaurès", postcode="75019", city="Paris"),
        sender_name="Menuiserie Dupont SARL",
        sender_address=Address(street="12 rue des Artisans", postcode="69003", city="Lyon"),
        document=document,
        attachments=list(attachments),
    )


def asked(provider: str, tracking_id: str) -> RegisteredStatusRequest:
    return RegisteredStatusRequest(
        case_id=CASE, step_key="formal_notice", provider=provider, tracking_id=tracking_id
    )


def outbox(tmp_path: Path, presentation: float, delivery: float) -> OutboxRegisteredMail:
    return OutboxRegisteredMail(
        tmp_path / "registered", timedelta(seconds=presentation), timedelta(seconds=delivery)
    )


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --- the provider's side, over real HTTP ------------------------------------------------------------


@dataclass
class FakeProviderSide:
    """The provider's end of the contract, served over real HTTP on 127.0.0.1. It keeps each letter
    under its idempotency key and answers each tracking id's ``events``; ``answers`` are forced
    answers served first, and ``delay`` the time it takes to answer once its work is done."""

    url: str = ""
    letters: dict[str, str] = field(default_factory=dict)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    delay: float = 0.0


@pytest.fixture
def provider_side() -> Iterator[FakeProviderSide]:
    side = FakeProviderSide()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            side.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
            if side.answers:
                return self.answer(*side.answers.pop(0))
            key = self.headers["Idempotency-Key"]
            if key in side.letters:
                return self.answer(409, {"tracking_id": side.letters[key], "message": "already posted"})
            side.letters[key] = f"LRE-{len(side.letters) + 1:04d}"
            return self.answer(201, {"tracking_id": side.letters[key]})

        def do_GET(self) -> None:
            side.received.append({"path": self.path, "headers": dict(self.headers)})
            if side.answers:
                return self.answer(*side.answers.pop(0))
            tracking_id = unquote(self.path.rsplit("/", 1)[1])
            if tracking_id not in side.events:
                return self.answer(404, {"message": f"no letter {tracking_id}"})
            return self.answer(200, {"tracking_id": tracking_id, "events": side.events[tracking_id]})

        def answer(self, status: int, content: dict[str, Any]) -> None:
            time.sleep(side.delay)
            payload = json.dumps(content).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped waiting

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    side.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield side
    server.shutdown()
    server.server_close()


def http_provider(side: FakeProviderSide, tmp_path: Path, timeout: float = 5.0) -> HttpRegisteredMail:
    return HttpRegisteredMail(side.url, "secret", tmp_path / "registered", timeout)


def proof_file(content: bytes, claimed_sha256: str | None = None) -> dict[str, str]:
    return {
        "filename": "preuve.pdf",
        "content_base64": base64.b64encode(content).decode(),
        "sha256": claimed_sha256 or sha256(content),
    }


# --- outbox ------------------------------------------------------------------------------------------


async def test_the_outbox_files_the_letter_once(tmp_path: Path) -> None:
    provider = outbox(tmp_path, 0, 0)
    first = await provider.post(letter(tmp_path), KEY)
    receipt = tmp_path / "registered" / CASE / "formal_notice" / "receipt.json"
    written = receipt.stat().st_mtime_ns
    again = await provider.post(letter(tmp_path), KEY)

    assert first == again and first.startswith("LOCAL-")
    assert receipt.stat().st_mtime_ns == written
    content = json.loads(receipt.read_text())
    assert content["tracking_id"] == first
    assert content["recipient"]["address"] == ["4 avenue Jean Jaurès", "75019 Paris", "FRANCE"]
    assert (receipt.parent / "formal_notice.red.pdf").read_bytes() == PDF


async def test_the_outbox_plays_a_delivery_with_its_proofs(tmp_path: Path) -> None:
    provider = outbox(tmp_path, 0, 0)
    tracking_id = await provider.post(letter(tmp_path), KEY)
    status = await provider.status(asked("outbox", tracking_id))

    assert (status.provider, status.tracking_id, status.final) == ("outbox", tracking_id, True)
    assert [event.kind for event in status.events] == [Kind.DEPOSITED, Kind.FIRST_PRESENTATION, Kind.RECEIVED]
    folder = tmp_path / "registered" / CASE / "formal_notice"
    posted_at = datetime.fromisoformat(json.loads((folder / "receipt.json").read_text())["posted_at"])
    assert [event.at for event in status.events] == [posted_at] * 3
    deposit, presentation, receipt = status.events
    assert presentation.proof is None
    assert deposit.proof is not None and receipt.proof is not None
    assert Path(deposit.proof.path) == folder / "proof-deposited.pdf"
    assert Path(receipt.proof.path) == folder / "proof-received.pdf"
    assert deposit.proof.sha256 == sha256(Path(deposit.proof.path).read_bytes())
    deposit_text = pdf_text(deposit.proof.path)
    for expected in (
        "Preuve de dépôt",
        tracking_id,
        "Bâtiments Martin SAS",
        "Menuiserie Dupont SARL",
        sha256(PDF),
    ):
        assert expected in deposit_text
    assert "aucune valeur de preuve" in deposit_text
    assert "Preuve de réception" in pdf_text(receipt.proof.path)
    assert "Reçue le" in pdf_text(receipt.proof.path)

    # Asked again: the same events, the same proofs, byte for byte.
    assert await provider.status(asked("outbox", tracking_id)) == status


async def test_the_outbox_delivers_once_its_delays_are_over(tmp_path: Path) -> None:
    tracking_id = await outbox(tmp_path, 0, 0).post(letter(tmp_path), KEY)
    request = asked("outbox", tracking_id)

    posted = await outbox(tmp_path, presentation=3600, delivery=3600).status(request)
    assert [event.kind for event in posted.events] == [Kind.DEPOSITED] and not posted.final
    presented = await outbox(tmp_path, presentation=0, delivery=3600).status(request)
    assert [event.kind for event in presented.events] == [Kind.DEPOSITED, Kind.FIRST_PRESENTATION]
    assert not presented.final
    assert not (tmp_path / "registered" / CASE / "formal_notice" / "proof-received.pdf").exists()
    delivered = await outbox(tmp_path, presentation=0, delivery=0).status(request)
    assert delivered.events[-1].kind == Kind.RECEIVED and delivered.final


@pytest.mark.parametrize(
    ("outcome", "title"), [("refused", "Preuve de refus"), ("not_claimed", "Preuve de non-réclamation")]
)
async def test_an_outcome_file_plays_a_refusal_or_a_letter_not_claimed(
    tmp_path: Path, outcome: str, title: str
) -> None:
    provider = outbox(tmp_path, 0, 0)
    tracking_id = await provider.post(letter(tmp_path), KEY)
    folder = tmp_path / "registered" / CASE / "formal_notice"
    (folder / "outcome.json").write_text(json.dumps({"kind": outcome}))
    status = await provider.status(asked("outbox", tracking_id))

    assert [event.kind for event in status.events] == [Kind.DEPOSITED, Kind.FIRST_PRESENTATION, outcome]
    assert status.final
    proof = status.events[-1].proof
    assert proof is not None and Path(proof.path) == folder / f"proof-{outcome}.pdf"
    assert title in pdf_text(proof.path)
    assert not (folder / "proof-received.pdf").exists()


async def test_an_outcome_once_proved_never_changes(tmp_path: Path) -> None:
    provider = outbox(tmp_path, 0, 0)
    tracking_id = await provider.post(letter(tmp_path), KEY)
    received = await provider.status(asked("outbox", tracking_id))
    folder = tmp_path / "registered" / CASE / "formal_notice"
    (folder / "outcome.json").write_text(json.dumps({"kind": "refused"}))

    assert await provider.status(asked("outbox", tracking_id)) == received


async def test_an_outcome_file_naming_no_outcome_is_an_error(tmp_path: Path) -> None:
    provider = outbox(tmp_path, 0, 0)
    tracking_id = await provider.post(letter(tmp_path), KEY)
    (tmp_path / "registered" / CASE / "formal_notice" / "outcome.json").write_text('{"kind": "deposited"}')
    with pytest.raises(ValueError, match="not an outcome"):
        await provider.status(asked("outbox", tracking_id))


async def test_the_status_of_a_letter_never_posted_is_a_final_error(tmp_path: Path) -> None:
    provider = outbox(tmp_path, 0, 0)
    with pytest.raises(ApplicationError) as never_posted:
        await provider.status(asked("outbox", "LOCAL-000000000000"))
    await provider.post(letter(tmp_path), KEY)
    with pytest.raises(ApplicationError) as other_letter:
        await provider.status(asked("outbox", "LOCAL-000000000000"))
    for unknown in (never_posted.value, other_letter.value):
        assert unknown.non_retryable and unknown.type == "RegisteredLetterUnknown"


# --- postal ------------------------------------------------------------------------------------------


def rendered(tmp_path: Path, name: str, body: str) -> DocumentRef:
    content = HTML(string=f"<html><body>{body}</body></html>").write_pdf()
    path = tmp_path / name
    path.write_bytes(content)
    return DocumentRef(path=str(path), sha256=sha256(content))


def postal_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", registered_mail_provider="postal")


def postal_letter(tmp_path: Path) -> RegisteredLetterRequest:
    return letter(tmp_path, rendered(tmp_path, "formal_notice.red.pdf", "<p>MISE EN DEMEURE</p>"))


async def test_the_postal_pack_is_one_pdf_ready_to_post(tmp_path: Path) -> None:
    settings = postal_settings(tmp_path)
    notice = rendered(
        tmp_path, "formal_notice.red.pdf", "<p>MISE EN DEMEURE</p><p style='break-before: page'>Page deux</p>"
    )
    statement = rendered(tmp_path, "penalty_statement.pdf", "<p>Justificatif de calcul</p>")
    provider = registered_mail_provider(settings)
    tracking_id = await provider.post(letter(tmp_path, notice, statement), KEY)

    assert isinstance(provider, PostalRegisteredMail) and tracking_id.startswith("PENDING-")
    pack = postal_pack_path(settings, CASE, "formal_notice")
    assert pack == settings.registered_mail_dir / "postal" / CASE / "formal_notice.pdf"
    pages = PdfReader(pack).pages
    assert len(pages) == 1 + 2 + 1
    address_page = flat(pages[0].extract_text())
    for expected in (
        "LETTRE RECOMMANDÉE AVEC DEMANDE D'AVIS DE RÉCEPTION",
        "Menuiserie Dupont SARL 12 rue des Artisans 69003 Lyon",
        "Bâtiments Martin SAS 4 avenue Jean Jaurès 75019 Paris",
        tracking_id,
    ):
        assert expected in address_page
    # The recipient shows through the window of a DL envelope once the sheet is folded in three.
    [(_, (x, y), _)] = [run for run in text_runs(pages[0]) if run[0] == "Bâtiments Martin SAS"]
    assert 100 <= x / MM <= 200 and 45 <= A4_HEIGHT_MM - y / MM <= 95
    assert "MISE EN DEMEURE" in pages[1].extract_text()
    assert "Page deux" in pages[2].extract_text()
    assert "Justificatif de calcul" in pages[3].extract_text()

    written = pack.stat().st_mtime_ns
    assert await provider.post(letter(tmp_path, notice, statement), KEY) == tracking_id
    assert pack.stat().st_mtime_ns == written


async def test_a_postal_letter_shows_what_an_agent_records_once_its_number_is_known(tmp_path: Path) -> None:
    settings = postal_settings(tmp_path)
    provider = registered_mail_provider(settings)
    pending_id = await provider.post(postal_letter(tmp_path), KEY)
    slip, acknowledgment = tmp_path / "bordereau.pdf", tmp_path / "avis.pdf"
    slip.write_bytes(b"%PDF-1.4\n% preuve de depot\n%%EOF\n")
    acknowledgment.write_bytes(b"%PDF-1.4\n% avis de reception signe\n%%EOF\n")
    deposited_at = datetime(2026, 3, 2, 9, 15, tzinfo=PARIS)

    record_postal_event(settings, CASE, "formal_notice", Kind.DEPOSITED, deposited_at, proof_path=slip)
    unnumbered = await provider.status(asked("postal", pending_id))
    assert (unnumbered.tracking_id, unnumbered.events, unnumbered.final) == (pending_id, [], False)

    record_postal_tracking(settings, CASE, "formal_notice", "1A00123456789")
    deposited = await provider.status(asked("postal", pending_id))
    assert deposited.tracking_id == "1A00123456789" and not deposited.final
    [deposit] = deposited.events
    assert (deposit.kind, deposit.at) == (Kind.DEPOSITED, deposited_at)
    assert deposit.proof is not None
    assert (
        Path(deposit.proof.path)
        == settings.registered_mail_dir / CASE / "formal_notice" / "proof-deposited.pdf"
    )
    assert Path(deposit.proof.path).read_bytes() == slip.read_bytes()
    assert deposit.proof.sha256 == sha256(slip.read_bytes())

    received_at = datetime(2026, 3, 4, 11, 0, tzinfo=PARIS)
    received = record_postal_event(
        settings, CASE, "formal_notice", Kind.RECEIVED, received_at, proof_path=acknowledgment
    )
    status = await provider.status(asked("postal", "1A00123456789"))
    assert [event.kind for event in status.events] == [Kind.DEPOSITED, Kind.RECEIVED] and status.final

    # Recording the same thing again changes nothing; contradicting what is recorded is refused.
    assert (
        record_postal_event(
            settings, CASE, "formal_notice", Kind.RECEIVED, received_at, proof_path=acknowledgment
        )
        == received
    )
    record_postal_tracking(settings, CASE, "formal_notice", "1A00123456789")
    with pytest.raises(ValueError, match="est déjà enregistré"):
        record_postal_event(settings, CASE, "formal_notice", Kind.RECEIVED, received_at + timedelta(days=1))
    with pytest.raises(ValueError, match="a déjà son issue"):
        record_postal_event(settings, CASE, "formal_notice", Kind.NOT_CLAIMED, received_at)
    with pytest.raises(ValueError, match="a déjà le numéro de suivi"):
        record_postal_tracking(settings, CASE, "formal_notice", "1A99999999999")
    assert await provider.status(asked("postal", pending_id)) == status


async def test_a_postal_status_asked_with_the_posts_number_records_it(tmp_path: Path) -> None:
    settings = postal_settings(tmp_path)
    provider = registered_mail_provider(settings)
    pending_id = await provider.post(postal_letter(tmp_path), KEY)

    assert (await provider.status(asked("postal", "1A00123456789"))).tracking_id == "1A00123456789"
    assert (await provider.status(asked("postal", pending_id))).tracking_id == "1A00123456789"
    with pytest.raises(ApplicationError) as another:
        await provider.status(asked("postal", "1A99999999999"))
    assert another.value.non_retryable and another.value.type == "RegisteredLetterUnknown"
    with pytest.raises(LookupError, match="pas de lettre recommandée postale"):
        record_postal_tracking(settings, CASE, "penalty_claim", "1A00123456789")


# --- http ----------------------------------------------------------------------------------------


async def test_the_http_provider_posts_the_contract(provider_side: FakeProviderSide, tmp_path: Path) -> None:
    tracking = await http_provider(provider_side, tmp_path).post(letter(tmp_path), "key-1")

    assert tracking == "LRE-0001"
    [call] = provider_side.received
    assert call["path"] == "/v1/letters"
    assert call["headers"]["Authorization"] == "Bearer secret"
    assert call["headers"]["Idempotency-Key"] == "key-1"
    assert base64.b64decode(call["body"]["document"]["content_base64"]) == PDF
    assert call["body"]["document"]["sha256"] == sha256(PDF)
    assert call["body"]["recipient"]["name"] == "Bâtiments Martin SAS"
    assert call["body"]["sender"]["address"] == ["12 rue des Artisans", "69003 Lyon", "FRANCE"]
    assert call["body"]["reference"] == f"{CASE}/formal_notice"


async def test_the_http_provider_reads_a_duplicate_as_success(
    provider_side: FakeProviderSide, tmp_path: Path
) -> None:
    provider_side.answers.append((409, {"tracking_id": "LRE-0042", "message": "already posted"}))
    assert await http_provider(provider_side, tmp_path).post(letter(tmp_path), "key-1") == "LRE-0042"


async def test_a_retry_after_a_lost_answer_never_sends_the_letter_twice(
    provider_side: FakeProviderSide, sqlite_database: Database, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        registered_mail_provider="http",
        registered_mail_url=provider_side.url,
        registered_mail_timeout_seconds=0.3,
    )
    activities = MailActivities(settings, sqlite_database)
    # The provider files the letter, then its answer comes too late: the attempt fails, retryable.
    provider_side.delay = 1.0
    with pytest.raises(ApplicationError) as lost:
        await activities.send_registered_letter(letter(tmp_path))
    assert not lost.value.non_retryable and lost.value.type == "RegisteredMailUnavailable"
    provider_side.delay = 0.0
    receipt = await activities.send_registered_letter(letter(tmp_path))

    assert receipt.tracking_id == "LRE-0001" and not receipt.duplicate
    assert len(provider_side.received) == 2
    assert provider_side.letters == {KEY: "LRE-0001"}


async def test_the_http_provider_retries_outages_not_refusals(
    provider_side: FakeProviderSide, tmp_path: Path
) -> None:
    provider = http_provider(provider_side, tmp_path)
    for status, message in ((503, "maintenance"), (500, "internal error")):
        provider_side.answers.append((status, {"message": message}))
        with pytest.raises(ApplicationError, match=message) as outage:
            await provider.post(letter(tmp_path), "key-1")
        assert not outage.value.non_retryable and outage.value.type == "RegisteredMailUnavailable"

    provider_side.answers.append((400, {"message": "adresse incomplète"}))
    with pytest.raises(ApplicationError, match="adresse incomplète") as refused:
        await provider.post(letter(tmp_path), "key-1")
    assert refused.value.non_retryable and refused.value.type == "RegisteredLetterRefused"

    with pytest.raises(ApplicationError, match="no letter LRE-9999") as unknown:
        await provider.status(asked("http", "LRE-9999"))
    assert unknown.value.non_retryable
    assert provider_side.letters == {}


async def test_a_silent_provider_is_a_retryable_failure(
    provider_side: FakeProviderSide, tmp_path: Path
) -> None:
    provider_side.delay = 1.0
    provider_side.events["LRE-0001"] = []
    provider = http_provider(provider_side, tmp_path, timeout=0.2)
    with pytest.raises(ApplicationError) as posting:
        await provider.post(letter(tmp_path), "key-1")
    with pytest.raises(ApplicationError) as asking:
        await provider.status(asked("http", "LRE-0001"))
    for silence in (posting.value, asking.value):
        assert not silence.non_retryable and silence.type == "RegisteredMailUnavailable"


async def test_an_unreachable_provider_is_a_retryable_failure(tmp_path: Path) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    with pytest.raises(ApplicationError) as unreachable:
        await HttpRegisteredMail(url, "t", tmp_path, 5).post(letter(tmp_path), "key-1")
    assert not unreachable.value.non_retryable and unreachable.value.type == "RegisteredMailUnavailable"


async def test_the_http_provider_reads_the_delivery_and_keeps_its_proofs(
    provider_side: FakeProviderSide, tmp_path: Path
) -> None:
    deposit = b"%PDF-1.4\n% preuve de depot electronique\n%%EOF\n"
    receipt = b"%PDF-1.4\n% preuve de reception electronique\n%%EOF\n"
    provider_side.events["LRE/0001"] = [
        {"kind": "deposited", "at": "2026-03-02T09:15:00+01:00", "proof": proof_file(deposit)},
        {"kind": "first_presentation", "at": "2026-03-02T09:16:00+01:00", "proof": None},
    ]
    provider = http_provider(provider_side, tmp_path)
    pending = await provider.status(asked("http", "LRE/0001"))

    assert [event.kind for event in pending.events] == [Kind.DEPOSITED, Kind.FIRST_PRESENTATION]
    assert not pending.final
    call = provider_side.received[-1]
    assert call["path"] == "/v1/letters/LRE%2F0001"
    assert call["headers"]["Authorization"] == "Bearer secret"

    provider_side.events["LRE/0001"].append(
        {"kind": "received", "at": "2026-03-05T11:30:00+01:00", "proof": proof_file(receipt)}
    )
    status = await provider.status(asked("http", "LRE/0001"))

    assert (status.provider, status.tracking_id, status.final) == ("http", "LRE/0001", True)
    deposited, presented, received = status.events
    assert received.at == datetime(2026, 3, 5, 10, 30, tzinfo=UTC)
    assert presented.proof is None
    folder = tmp_path / "registered" / CASE / "formal_notice"
    for event, content in ((deposited, deposit), (received, receipt)):
        assert event.proof is not None
        assert Path(event.proof.path) == folder / f"proof-{event.kind}.pdf"
        assert Path(event.proof.path).read_bytes() == content
        assert event.proof.sha256 == sha256(content)


async def test_a_proof_that_does_not_match_its_hash_is_refused(
    provider_side: FakeProviderSide, tmp_path: Path
) -> None:
    receipt = b"%PDF-1.4\n% preuve de reception electronique\n%%EOF\n"
    provider_side.events["LRE-0001"] = [
        {"kind": "received", "at": "2026-03-05T11:30:00+01:00", "proof": proof_file(receipt, sha256(PDF))}
    ]
    with pytest.raises(ApplicationError, match="does not match its SHA-256") as corrupted:
        await http_provider(provider_side, tmp_path).status(asked("http", "LRE-0001"))
    assert corrupted.value.non_retryable and corrupted.value.type == "ProofCorrupted"
    assert not (tmp_path / "registered" / CASE / "formal_notice" / "proof-received.pdf").exists()


# --- the activities --------------------------------------------------------------------------------


async def test_the_activity_posts_each_letter_once(
    provider_side: FakeProviderSide, sqlite_database: Database, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path, registered_mail_provider="http", registered_mail_url=provider_side.url
    )
    activities = MailActivities(settings, sqlite_database)
    first = await activities.send_registered_letter(letter(tmp_path))
    again = await activities.send_registered_letter(letter(tmp_path))

    assert len(provider_side.received) == 1
    assert (first.tracking_id, first.provider, first.duplicate) == ("LRE-0001", "http", False)
    assert (again.tracking_id, again.provider, again.duplicate) == ("LRE-0001", "http", True)
    [posted] = await case_events(sqlite_database, CASE)
    assert posted.kind == "registered_letter_posted" and posted.step_key == "formal_notice"
    assert posted.document_sha256 == sha256(PDF)
    assert posted.idempotency_key == KEY


async def test_the_activity_files_with_the_embedded_provider_by_default(
    sqlite_database: Database, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    activities = MailActivities(settings, sqlite_database)
    first = await activities.send_registered_letter(letter(tmp_path))
    again = await activities.send_registered_letter(letter(tmp_path))

    receipt = settings.registered_mail_dir / CASE / "formal_notice" / "receipt.json"
    assert json.loads(receipt.read_text())["tracking_id"] == first.tracking_id == again.tracking_id
    assert (first.provider, first.duplicate, again.duplicate) == ("outbox", False, True)


async def test_a_letter_changed_since_it_was_produced_is_never_posted(
    provider_side: FakeProviderSide, sqlite_database: Database, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path, registered_mail_provider="http", registered_mail_url=provider_side.url
    )
    changed = letter(tmp_path)
    Path(changed.document.path).write_bytes(PDF + b"tampered")
    with pytest.raises(ApplicationError) as refused:
        await MailActivities(settings, sqlite_database).send_registered_letter(changed)
    assert refused.value.non_retryable and refused.value.type == "DocumentChanged"
    assert provider_side.received == []


async def test_the_status_activity_journals_each_delivery_event_once(
    database: Database, tmp_path: Path
) -> None:
    def settings(delivery_delay: float) -> Settings:
        return Settings(
            data_dir=tmp_path / "var",
            outbox_presentation_delay_seconds=0,
            outbox_delivery_delay_seconds=delivery_delay,
        )

    posted = await MailActivities(settings(3600), database).send_registered_letter(letter(tmp_path))
    request = asked(posted.provider, posted.tracking_id)
    waiting = await MailActivities(settings(3600), database).registered_letter_status(request)
    assert not waiting.final
    delivered = MailActivities(settings(0), database)
    status = await delivered.registered_letter_status(request)
    assert await delivered.registered_letter_status(request) == status and status.final

    journal = [event for event in await case_events(database, CASE) if event.kind.startswith("delivery_")]
    deposit, _, receipt = status.events
    assert deposit.proof is not None and receipt.proof is not None
    assert [(event.kind, event.idempotency_key, event.document_sha256) for event in journal] == [
        ("delivery_deposited", f"delivery:{CASE}/formal_notice/deposited", deposit.proof.sha256),
        ("delivery_first_presentation", f"delivery:{CASE}/formal_notice/first_presentation", None),
        ("delivery_received", f"delivery:{CASE}/formal_notice/received", receipt.proof.sha256),
    ]
    assert all(event.step_key == "formal_notice" for event in journal)
    assert f"tracking={posted.tracking_id} proof=proof-received.pdf" in journal[-1].detail


# --- choosing the provider ------------------------------------------------------------------------


def test_the_provider_and_its_delays_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RELANCE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RELANCE_OUTBOX_PRESENTATION_DELAY", "7")
    monkeypatch.setenv("RELANCE_OUTBOX_DELIVERY_DELAY", "11.5")
    provider = registered_mail_provider(Settings())
    assert isinstance(provider, OutboxRegisteredMail)
    assert (provider.presentation_delay, provider.delivery_delay) == (
        timedelta(seconds=7),
        timedelta(seconds=11.5),
    )

    monkeypatch.setenv("REGISTERED_MAIL_PROVIDER", "http")
    monkeypatch.setenv("REGISTERED_MAIL_URL", "https://lre.example.org/api")
    monkeypatch.setenv("REGISTERED_MAIL_TIMEOUT", "12")
    provider = registered_mail_provider(Settings())
    assert isinstance(provider, HttpRegisteredMail) and provider.timeout_seconds == 12
    # A letter's status is asked of the provider it went through, whatever is configured now.
    assert isinstance(registered_mail_provider(Settings(), "postal"), PostalRegisteredMail)


def test_an_unknown_provider_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="expected 'outbox', 'http' or 'postal'"):
        registered_mail_provider(Settings(data_dir=tmp_path, registered_mail_provider="pigeon"))


async def test_a_letter_that_is_no_pdf_is_never_packed(tmp_path: Path) -> None:
    with pytest.raises(ApplicationError) as unreadable:
        await registered_mail_provider(postal_settings(tmp_path)).post(letter(tmp_path), KEY)
    assert unreadable.value.non_retryable and unreadable.value.type == "DocumentUnreadable"
    assert not (postal_settings(tmp_path).registered_mail_dir / "postal" / CASE).exists()
