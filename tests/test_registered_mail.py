"""Registered letters: the embedded outbox provider, and the HTTP provider against a real local
HTTP server playing the provider's side of the contract."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.error import URLError

import pytest
from temporalio.exceptions import ApplicationError

from activities.mail import MailActivities
from activities.registered_mail import HttpRegisteredMail, OutboxRegisteredMail, registered_mail_provider
from config.settings import Settings
from models.case import Address, DocumentRef, RegisteredLetterRequest
from models.database import Database
from models.journal import case_events

PDF = b"%PDF-1.4\n% mise en demeure\n%%EOF\n"


def letter(tmp_path: Path) -> RegisteredLetterRequest:
    path = tmp_path / "formal_notice.red.pdf"
    path.write_bytes(PDF)
    return RegisteredLetterRequest(
        case_id="invoice-123456782-F-1",
        step_key="formal_notice",
        recipient_name="Bâtiments Martin SAS",
        recipient_address=Address(street="4 avenue Jean Jaurès", postcode="75019", city="Paris"),
        sender_name="Menuiserie Dupont SARL",
        sender_address=Address(street="12 rue des Artisans", postcode="69003", city="Lyon"),
        document=DocumentRef(path=str(path), sha256=hashlib.sha256(PDF).hexdigest()),
    )


@dataclass
class FakeProviderSide:
    """The provider's end of the contract, served over real HTTP on 127.0.0.1."""

    url: str = ""
    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def provider_side() -> Iterator[FakeProviderSide]:
    side = FakeProviderSide()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            side.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
            status, answer = side.answers.pop(0) if side.answers else (201, {"tracking_id": "LRE-0001"})
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    side.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield side
    server.shutdown()
    server.server_close()


async def test_the_outbox_files_the_letter_once(tmp_path: Path) -> None:
    provider = OutboxRegisteredMail(tmp_path / "registered")
    first = await provider.post(letter(tmp_path), "registered:invoice-123456782-F-1:formal_notice")
    receipt = tmp_path / "registered" / "invoice-123456782-F-1" / "formal_notice" / "receipt.json"
    written = receipt.stat().st_mtime_ns
    again = await provider.post(letter(tmp_path), "registered:invoice-123456782-F-1:formal_notice")

    assert first == again and first.startswith("LOCAL-")
    assert receipt.stat().st_mtime_ns == written
    content = json.loads(receipt.read_text())
    assert content["tracking_id"] == first
    assert content["recipient"]["address"] == ["4 avenue Jean Jaurès", "75019 Paris", "FRANCE"]
    assert (receipt.parent / "formal_notice.red.pdf").read_bytes() == PDF


async def test_the_http_provider_posts_the_contract(provider_side: FakeProviderSide, tmp_path: Path) -> None:
    tracking = await HttpRegisteredMail(provider_side.url, "secret").post(letter(tmp_path), "key-1")

    assert tracking == "LRE-0001"
    [call] = provider_side.received
    assert call["path"] == "/v1/letters"
    assert call["headers"]["Authorization"] == "Bearer secret"
    assert call["headers"]["Idempotency-Key"] == "key-1"
    assert base64.b64decode(call["body"]["document"]["content_base64"]) == PDF
    assert call["body"]["document"]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert call["body"]["recipient"]["name"] == "Bâtiments Martin SAS"
    assert call["body"]["sender"]["address"] == ["12 rue des Artisans", "69003 Lyon", "FRANCE"]


async def test_the_http_provider_reads_a_duplicate_as_success(
    provider_side: FakeProviderSide, tmp_path: Path
) -> None:
    provider_side.answers.append((409, {"tracking_id": "LRE-0042", "message": "already posted"}))
    assert await HttpRegisteredMail(provider_side.url, "t").post(letter(tmp_path), "key-1") == "LRE-0042"


async def test_the_http_provider_retries_outages_not_refusals(
    provider_side: FakeProviderSide, tmp_path: Path
) -> None:
    provider = HttpRegisteredMail(provider_side.url, "t")
    provider_side.answers.append((503, {"message": "maintenance"}))
    with pytest.raises(RuntimeError, match="maintenance"):
        await provider.post(letter(tmp_path), "key-1")

    provider_side.answers.append((500, {"message": "internal error"}))
    with pytest.raises(RuntimeError, match="internal error"):
        await provider.post(letter(tmp_path), "key-1")

    provider_side.answers.append((400, {"message": "adresse incomplète"}))
    with pytest.raises(ApplicationError) as refused:
        await provider.post(letter(tmp_path), "key-1")
    assert refused.value.non_retryable
    assert "adresse incomplète" in str(refused.value)


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
    [posted] = await case_events(sqlite_database, "invoice-123456782-F-1")
    assert posted.kind == "registered_letter_posted" and posted.step_key == "formal_notice"
    assert posted.document_sha256 == hashlib.sha256(PDF).hexdigest()
    assert posted.idempotency_key == "registered:invoice-123456782-F-1:formal_notice"


async def test_the_activity_files_with_the_embedded_provider_by_default(
    sqlite_database: Database, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    activities = MailActivities(settings, sqlite_database)
    first = await activities.send_registered_letter(letter(tmp_path))
    again = await activities.send_registered_letter(letter(tmp_path))

    receipt = settings.registered_mail_dir / "invoice-123456782-F-1" / "formal_notice" / "receipt.json"
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


async def test_an_unreachable_provider_is_a_retryable_failure(tmp_path: Path) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    with pytest.raises(URLError):
        await HttpRegisteredMail(url, "t").post(letter(tmp_path), "key-1")


def test_an_unknown_provider_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="expected 'outbox' or 'http'"):
        registered_mail_provider(Settings(data_dir=tmp_path, registered_mail_provider="pigeon"))
