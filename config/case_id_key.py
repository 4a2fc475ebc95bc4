"""The secret key of case ids (``models/case_ids.py``): ``RELANCE_CASE_ID_KEY``, else the embedded
key file ``case-id-key`` in the data folder, created with 32 random bytes on first use (mode 0600)
and read as it is afterwards.

Every process that imports invoices needs the same key, so that an invoice imported twice maps to
one case. An invoice keeps the id it was stored with whatever the key becomes; a lost or changed
key only gives other ids to invoices imported from then on.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
from pathlib import Path

from config.settings import Settings
from support.files import create_private_file

log = logging.getLogger("relance.case_ids")

# HMAC-SHA256 is keyed by at least as many bytes as it hashes to.
MINIMUM_KEY_BYTES = 32
KEY_FILE_HEADER = """\
# Relance case id key: the id of an invoice's case is a keyed hash of its creditor and number.
# Keep this file with the data folder; every process importing invoices needs the same key.
"""


class CaseIdKeyError(ValueError):
    """The configured key cannot be used; the message says where it comes from and why."""


def case_id_key(settings: Settings) -> bytes:
    """The configured key, else the embedded key file's (created on first use)."""
    configured = settings.case_id_key.get_secret_value().strip()
    if configured:
        return _decoded(configured, "RELANCE_CASE_ID_KEY")
    path = settings.embedded_case_id_key_file
    fresh = base64.b64encode(secrets.token_bytes(MINIMUM_KEY_BYTES)).decode("ascii")
    if create_private_file(path, f"{KEY_FILE_HEADER}{fresh}\n".encode("ascii")):
        log.info("created case id key file %s", path)
    return _read_key_file(path)


def _read_key_file(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CaseIdKeyError(f"cannot read case id key file {path}: {error}") from None
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if len(lines) != 1:
        raise CaseIdKeyError(f"case id key file {path}: expected one key line, found {len(lines)}")
    return _decoded(lines[0], f"case id key file {path}")


def _decoded(text: str, origin: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise CaseIdKeyError(f"{origin}: not base64 (make one with `openssl rand -base64 32`)") from None
    if len(key) < MINIMUM_KEY_BYTES:
        raise CaseIdKeyError(f"{origin}: {len(key)} bytes, at least {MINIMUM_KEY_BYTES} are needed")
    return key
