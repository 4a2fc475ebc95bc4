"""The ``http`` provider: an electronic registered-letter (LRE) provider's JSON API.

It is at ``REGISTERED_MAIL_URL``, each call carrying ``Authorization: Bearer <REGISTERED_MAIL_TOKEN>``
and waiting ``REGISTERED_MAIL_TIMEOUT`` seconds at most:

- ``POST /letters`` with ``Idempotency-Key: <key>`` and the JSON body ``{"sender": {"name",
  "address": [lines]}, "recipient": {same}, "document": FILE, "attachments": [FILE],
  "reference": "<case>/<step>"}``, where a FILE is ``{"filename", "content_base64", "sha256"}``.
  ``200`` or ``201`` answer ``{"tracking_id": ...}``, and so does ``409`` when the key was used
  before: the letter went out once, with the first call.
- ``GET /letters/{tracking_id}`` answers ``{"tracking_id": ..., "events": [{"kind": ..., "at":
  ISO 8601 with its offset, "proof": FILE | null}]}``, ``kind`` being ``deposited``,
  ``first_presentation``, ``received``, ``refused`` or ``not_claimed``. A proof whose bytes do
  not match its SHA-256 is refused and never stored.

Time-outs, unreachable servers and ``5xx`` answers are retried; other ``4xx`` are refusals, never
retried.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from temporalio.exceptions import ApplicationError

from activities.registered_mail.provider import (
    RegisteredMailProvider,
    delivery_proof_path,
    delivery_status,
    sender_and_recipient,
    store_proof,
)
from models.documents import DocumentRef
from models.mail import (
    DeliveryEvent,
    DeliveryEventKind,
    DeliveryStatus,
    RegisteredLetterRequest,
    RegisteredStatusRequest,
)
from support.files import sha256_of


class HttpRegisteredMail(RegisteredMailProvider):
    """An electronic registered-letter provider behind the JSON API of this module's docstring."""

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
            **sender_and_recipient(letter),
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
        return delivery_status(self.name, request.tracking_id, events)

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
        return store_proof(
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
