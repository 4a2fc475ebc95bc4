"""Payload encryption: what the cases hand to Temporal is AES-256-GCM ciphertext.

Every payload a client or a worker sends to the Temporal server goes through ``EncryptionCodec``:
workflow and activity inputs and results, signals, updates, queries and their answers, memos,
failure details. The original payload (its metadata and data) is serialized whole and sealed under
the current key with a fresh random 96-bit nonce. The encrypted payload carries two metadata
entries in clear: ``encoding: binary/encrypted`` and ``encryption-key-id``, the id of the key that
sealed it, so that decoding picks that key among all those configured: a new key encrypts from the
day it is made current, the old ones still read what they sealed (key rotation). Its data is the
nonce followed by the ciphertext and its 16-byte tag, without associated data: the layout of
Temporal's encryption samples, whose codec servers read it given the key.

A payload without that encoding passes through unchanged: histories recorded before encryption
still replay, and search attributes (indexed by the server in clear, so never personal data) stay
readable; the worker reads none (``security/sealed_only.py``). A payload sealed by a key that is
not configured, or that does not authenticate under its key, is refused with
``PayloadDecryptionError`` naming the key id.

This module knows keys, not where they come from: ``config/encryption.py`` reads them as the
settings name them and builds the data converter every client, worker and replayer uses.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import DecodeError, Message
from temporalio.api.common.v1 import Payload
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory
from temporalio.converter import PayloadCodec

ENCODING = "encoding"
ENCRYPTED_ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96 bits, the size GCM is made for
TAG_BYTES = 16
# Ids go in clear into every payload's metadata and into key files: letters, digits, . _ -
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class PayloadKeyError(ValueError):
    """Keys that cannot be used: none, a malformed entry, a key that is not 32 bytes, an id twice.
    Messages name the key id and where it comes from, never the key."""


class PayloadDecryptionError(ValueError):
    """An encrypted payload this process cannot open: its key is not configured, or it does not
    authenticate under that key (tampered with, or sealed by another key under the same id)."""

    def __init__(self, message: str, key_id: str) -> None:
        super().__init__(message)
        self.key_id = key_id


@dataclass(frozen=True)
class PayloadKey:
    """One AES-256 key and the id payloads name it by."""

    key_id: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not KEY_ID_PATTERN.fullmatch(self.key_id):
            raise PayloadKeyError(
                f"payload key id {self.key_id!r} must be 1 to 64 letters, digits, '.', '_' or '-'"
            )
        if len(self.secret) != KEY_BYTES:
            raise PayloadKeyError(
                f"payload key {self.key_id!r} is {len(self.secret)} bytes: AES-256 takes {KEY_BYTES}"
            )

    @classmethod
    def generate(cls, key_id: str) -> PayloadKey:
        """A fresh random key."""
        return cls(key_id, AESGCM.generate_key(bit_length=KEY_BYTES * 8))

    def entry(self) -> str:
        """The key as ``id:base64key``, the form ``parse_payload_keys`` reads."""
        return f"{self.key_id}:{base64.b64encode(self.secret).decode('ascii')}"


def parse_payload_keys(text: str, source: str) -> list[PayloadKey]:
    """Keys written as ``id:base64key`` entries separated by commas or line breaks, the current one
    first; blank entries and lines starting with ``#`` are skipped. ``source`` names where the text
    comes from (a variable, a file) in error messages."""
    lines = [line for line in text.splitlines() if not line.strip().startswith("#")]
    entries = [entry.strip() for line in lines for entry in line.split(",") if entry.strip()]
    keys = []
    for position, entry in enumerate(entries, start=1):
        key_id, colon, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not colon or not key_id or not encoded.strip():
            raise PayloadKeyError(f"{source}: entry {position} is not id:base64key")
        try:
            secret = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise PayloadKeyError(f"{source}: key {key_id!r} is not valid base64") from None
        try:
            keys.append(PayloadKey(key_id, secret))
        except PayloadKeyError as error:
            raise PayloadKeyError(f"{source}: {error}") from None
    if not keys:
        raise PayloadKeyError(f"{source} holds no payload key")
    return keys


def is_encrypted(payload: Payload) -> bool:
    return payload.metadata.get(ENCODING) == ENCRYPTED_ENCODING


class EncryptionCodec(PayloadCodec):
    """AES-256-GCM over whole payloads; the first key encrypts, every key decrypts what it sealed."""

    def __init__(self, keys: Sequence[PayloadKey]) -> None:
        super().__init__()
        if not keys:
            raise PayloadKeyError("no payload key: one is needed to encrypt")
        ids = [key.key_id for key in keys]
        twice = sorted({key_id for key_id in ids if ids.count(key_id) > 1})
        if twice:
            raise PayloadKeyError(f"payload key id {', '.join(map(repr, twice))} is given twice")
        self._current = keys[0].key_id
        self._ciphers = {key.key_id: AESGCM(key.secret) for key in keys}

    @property
    def current_key_id(self) -> str:
        return self._current

    @property
    def key_ids(self) -> list[str]:
        """Every configured key id, the current one first."""
        return list(self._ciphers)

    def encrypt(self, payload: Payload) -> Payload:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self._current].encrypt(nonce, payload.SerializeToString(), None)
        return Payload(
            metadata={ENCODING: ENCRYPTED_ENCODING, KEY_ID: self._current.encode("ascii")},
            data=nonce + sealed,
        )

    def decrypt(self, payload: Payload) -> Payload:
        """The original payload; one that is not encrypted is returned as it is."""
        if not is_encrypted(payload):
            return payload
        raw_id = payload.metadata.get(KEY_ID)
        if not raw_id:
            raise PayloadDecryptionError(f"encrypted payload without an {KEY_ID}", key_id="")
        key_id = raw_id.decode("utf-8", errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadDecryptionError(
                f"payload encrypted with key {key_id!r}, which is not configured "
                f"(configured: {', '.join(self._ciphers)}): add that key back to the payload keys",
                key_id=key_id,
            )
        data = payload.data
        if len(data) < NONCE_BYTES + TAG_BYTES:
            raise self._refused(key_id)
        try:
            clear = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], None)
            return Payload.FromString(clear)
        except (InvalidTag, DecodeError):
            raise self._refused(key_id) from None

    @staticmethod
    def _refused(key_id: str) -> PayloadDecryptionError:
        return PayloadDecryptionError(
            f"payload encrypted with key {key_id!r} does not authenticate: it was tampered with, "
            "or sealed by another key under the same id",
            key_id=key_id,
        )

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(payload) for payload in payloads]


def payloads_in(message: Message) -> Iterator[Payload]:
    """Every payload in a protobuf message, at any depth (inputs, results, memos, failures,
    headers, search attributes), as references that can be replaced in place."""
    if isinstance(message, Payload):
        yield message
        return
    for descriptor, value in message.ListFields():
        if descriptor.message_type is None:
            continue
        if descriptor.message_type.GetOptions().map_entry:
            if descriptor.message_type.fields_by_name["value"].message_type is not None:
                for item in value.values():
                    yield from payloads_in(item)
        elif isinstance(value, Message):
            yield from payloads_in(value)
        else:
            for item in value:
                yield from payloads_in(item)


async def decode_history(history: WorkflowHistory, codec: PayloadCodec | None) -> WorkflowHistory:
    """A copy of the history with every sealed payload decoded by ``codec`` (None: the history
    itself).

    The server hands histories out as it keeps them, encrypted; this is the history as the workflow
    saw it, to read or to file outside Temporal. A payload the codec never sealed (a search
    attribute, kept in clear for visibility to index) is copied as it is: the worker's codec would
    take it for a forged command and write its refusal in its place."""
    if codec is None:
        return history
    events = []
    for event in history.events:
        copy = HistoryEvent()
        copy.CopyFrom(event)
        events.append(copy)
    payloads = [payload for event in events for payload in payloads_in(event) if is_encrypted(payload)]
    if payloads:
        decoded = await codec.decode(payloads)
        for payload, clear in zip(payloads, decoded, strict=True):
            if clear is not payload:
                payload.CopyFrom(clear)
    return WorkflowHistory(history.workflow_id, events)
