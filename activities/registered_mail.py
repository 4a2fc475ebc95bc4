"""Registered letters (lettre recommandée) through a provider.

Two providers share one interface: the embedded ``outbox`` one files each letter in a folder (the
default, and what tests and demos use), and the ``http`` one posts it to an electronic
registered-letter provider's API. Both are idempotent by key: posting the same letter twice
returns the same tracking id and sends nothing new.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from datetime import UTC, datetime
from pathlib import Path

from temporalio.exceptions import ApplicationError

from config.settings import Settings
from models.case import DocumentRef, RegisteredLetterRequest

HTTP_TIMEOUT_SECONDS = 30


class RegisteredMailProvider(ABC):
    name: str

    @abstractmethod
    async def post(self, letter: RegisteredLetterRequest, idempotency_key: str) -> str:
        """Send the letter; return the provider's tracking id."""


class OutboxRegisteredMail(RegisteredMailProvider):
    """Files the letter and its receipt under ``folder/case/step/``."""

    name = "outbox"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def post(self, letter: RegisteredLetterRequest, idempotency_key: str) -> str:
        return await asyncio.to_thread(self._file, letter, idempotency_key)

    def _file(self, letter: RegisteredLetterRequest, idempotency_key: str) -> str:
        tracking_id = "LOCAL-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:12].upper()
        target = self.folder / letter.case_id / letter.step_key
        receipt = target / "receipt.json"
        if receipt.is_file():
            return str(json.loads(receipt.read_text(encoding="utf-8"))["tracking_id"])
        target.mkdir(parents=True, exist_ok=True)
        for enclosed in (letter.document, *letter.attachments):
            path = Path(enclosed.path)
            _write_atomically(target / path.name, path.read_bytes())
        content = {
            "tracking_id": tracking_id,
            "provider": self.name,
            "posted_at": datetime.now(UTC).isoformat(),
            "sender": {"name": letter.sender_name, "address": letter.sender_address.lines()},
            "recipient": {"name": letter.recipient_name, "address": letter.recipient_address.lines()},
            "document": {"file": Path(letter.document.path).name, "sha256": letter.document.sha256},
            "attachments": [{"file": Path(a.path).name, "sha256": a.sha256} for a in letter.attachments],
        }
        # The receipt is written last: its presence means the letter was filed whole.
        _write_atomically(receipt, json.dumps(content, ensure_ascii=False, indent=2).encode("utf-8"))
        return tracking_id


class HttpRegisteredMail(RegisteredMailProvider):
    """An electronic registered-letter provider behind a JSON API.

    Contract: ``POST {base_url}/letters`` with ``Authorization: Bearer <token>`` and
    ``Idempotency-Key: <key>``, a JSON body (sender, recipient, address lines, the document and any
    enclosed attachments, each in base64 with its SHA-256); ``200``/``201`` answer
    ``{"tracking_id": ...}``, and so does ``409`` when the key was already used. Other ``4xx`` are
    refusals (not retried), ``5xx`` and time-outs are retried.
    """

    name = "http"

    def __init__(self, base_url: str, token: str) -> None:
        if not base_url:
            raise ValueError("REGISTERED_MAIL_URL is required for the http registered-mail provider")
        self.base_url = base_url.rstrip("/")
        self.token = token

    async def post(self, letter: RegisteredLetterRequest, idempotency_key: str) -> str:
        return await asyncio.to_thread(self._post, letter, idempotency_key)

    def _post(self, letter: RegisteredLetterRequest, idempotency_key: str) -> str:
        body = {
            "sender": {"name": letter.sender_name, "address": letter.sender_address.lines()},
            "recipient": {"name": letter.recipient_name, "address": letter.recipient_address.lines()},
            "document": _encoded(letter.document),
            "attachments": [_encoded(attachment) for attachment in letter.attachments],
            "reference": f"{letter.case_id}/{letter.step_key}",
        }
        request = urllib.request.Request(
            f"{self.base_url}/letters",
            data=json.dumps(body).encode("utf-8"),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": idempotency_key,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
                return _tracking_id(response.read())
        except urllib.error.HTTPError as error:
            answer = error.read()
            if error.code == 409:
                return _tracking_id(answer)
            if 400 <= error.code < 500:
                raise ApplicationError(
                    f"registered-mail provider refused the letter ({error.code}): {_message(answer)}",
                    type="RegisteredLetterRefused",
                    non_retryable=True,
                ) from error
            raise RuntimeError(
                f"registered-mail provider failed ({error.code}): {_message(answer)}"
            ) from error


def _tracking_id(answer: bytes) -> str:
    try:
        return str(json.loads(answer)["tracking_id"])
    except (ValueError, KeyError, TypeError) as error:
        raise RuntimeError(
            f"registered-mail provider answered without a tracking id: {answer[:200]!r}"
        ) from error


def _message(answer: bytes) -> str:
    try:
        return str(json.loads(answer).get("message", answer[:200]))
    except (ValueError, AttributeError):
        return answer[:200].decode("utf-8", "replace")


def _write_atomically(path: Path, content: bytes) -> None:
    partial = path.with_name(f".{path.name}.part")
    partial.write_bytes(content)
    os.replace(partial, path)


def registered_mail_provider(settings: Settings) -> RegisteredMailProvider:
    if settings.registered_mail_provider == "outbox":
        return OutboxRegisteredMail(settings.registered_mail_dir)
    if settings.registered_mail_provider == "http":
        return HttpRegisteredMail(settings.registered_mail_url, settings.registered_mail_token)
    raise ValueError(
        f"REGISTERED_MAIL_PROVIDER={settings.registered_mail_provider!r}: expected 'outbox' or 'http'"
    )


def _encoded(document: DocumentRef) -> dict[str, str]:
    path = Path(document.path)
    return {
        "filename": path.name,
        "content_base64": base64.b64encode(path.read_bytes()).decode("ascii"),
        "sha256": document.sha256,
    }
