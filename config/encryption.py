"""Payload encryption as the settings configure it: the keys, and the data converter built on them.

Keys come from, in this order:

1. ``RELANCE_PAYLOAD_KEYS``: ``id:base64key`` entries separated by commas, the current one first;
2. ``RELANCE_PAYLOAD_KEY_FILE``: a file of the same entries, one a line (``#`` starts a comment),
   which must exist;
3. neither (the embedded default): ``payload-keys`` in the data folder, created with one fresh
   random key on first use (mode 0600) and read as it is afterwards, so that the next ``relance
   up`` still reads the cases the previous one started.

``data_converter(settings)`` is the data converter of the command line's client, the back office,
the audit replayer, the benchmarks and the tests; ``worker_data_converter(settings)`` the worker's,
which refuses any payload its keys do not open.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import stat
from datetime import UTC, datetime
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes

from config.settings import Settings
from security.payload_codec import EncryptionCodec, PayloadKey, PayloadKeyError, parse_payload_keys
from security.sealed_only import ReadableRefusals, SealedOnlyCodec, SealedPayloadConverter
from support.files import create_private_file

log = logging.getLogger("relance.encryption")

KEY_FILE_HEADER = """\
# Relance payload keys: what the cases send to Temporal is encrypted with them.
# One `id:base64key` a line; the first one encrypts, the others still decrypt what they sealed.
# Without these keys the cases' data in Temporal cannot be read: keep this file with the data folder.
"""


def payload_keys(settings: Settings) -> list[PayloadKey]:
    """The configured keys, the current one first (see the module's docstring for where from)."""
    configured = settings.payload_keys.get_secret_value()
    if configured.strip() and settings.payload_key_file is not None:
        raise PayloadKeyError("set RELANCE_PAYLOAD_KEYS or RELANCE_PAYLOAD_KEY_FILE, not both")
    if configured.strip():
        return parse_payload_keys(configured, "RELANCE_PAYLOAD_KEYS")
    if settings.payload_key_file is not None:
        return read_key_file(settings.payload_key_file)
    return read_key_file(ensure_key_file(settings.embedded_payload_key_file))


def read_key_file(path: Path) -> list[PayloadKey]:
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise PayloadKeyError(f"payload key file {path} does not exist") from None
    except OSError as error:
        raise PayloadKeyError(f"cannot read payload key file {path}: {error.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("payload key file %s can be read by others (mode %o): chmod 600 it", path, mode & 0o777)
    return parse_payload_keys(text, f"payload key file {path}")


def ensure_key_file(path: Path) -> Path:
    """``path``, created with one fresh random key when it does not exist yet (mode 0600; of two
    processes creating it at once one key wins, for both: ``support.files.create_private_file``)."""
    if path.exists():
        return path
    key = PayloadKey.generate(f"local-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(3)}")
    if create_private_file(path, (KEY_FILE_HEADER + key.entry() + "\n").encode("utf-8")):
        log.info("created payload key file %s with key %s", path, key.key_id)
    return path


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic conversion, then AES-256-GCM encryption with the configured keys.

    Failure messages and stack traces travel inside an encrypted payload too (the history shows
    "Encoded failure"), since an error may quote an address or a name. A payload that is not
    encrypted is read as it is: the histories recorded before encryption still replay."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(payload_keys(settings)),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def worker_data_converter(settings: Settings) -> DataConverter:
    """The worker's: as ``data_converter``, but it reads only what opens under the keys; a plain or
    foreign payload is refused where it is read (an update is rejected, the case goes on), see
    ``security/sealed_only.py``."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_converter_class=SealedPayloadConverter,
        payload_codec=SealedOnlyCodec(payload_keys(settings)),
        failure_converter_class=ReadableRefusals,
    )
