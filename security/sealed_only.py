"""What the worker takes from Temporal: sealed payloads only.

The Temporal server accepts anything from anyone who reaches it: ``temporal workflow update execute
--input '{... "agent": "anyone"}'`` hands a case a plain JSON payload. AES-GCM authenticates what
``EncryptionCodec`` sealed, so the worker reads a payload only when it opens under one of its keys;
any other (plain, sealed by a key it lacks, altered) is refused.

The refusal has to land where the payload is read, never on the whole workflow task: the SDK decodes
every payload of an activation before the workflow sees any, and a codec that raised there would
fail the task, with it every other job of the activation, on every retry. So ``SealedOnlyCodec``
turns a refused payload into a ``binary/refused`` payload carrying the reason, and
``SealedPayloadConverter`` raises ``PayloadRefused`` when a workflow reads one:

- an update's argument: the update is rejected before its validator runs (the SDK rejects an
  update whose arguments cannot be read) and the case goes on, as if it had never been sent;
- a signal's: the SDK drops the signal;
- the input of a workflow started that way: its task fails (it is no case: nothing was imported);
- an activity's input or result, or any payload already in a history (a key taken away too early):
  the task fails and is retried once the keys are right, as with any bug outside the workflow.

``ReadableRefusals`` writes such a failure in clear, where every other failure is encrypted (it may
quote a name or an address): the reason names no data, and the sender, who has no key, reads it.

The replayers of the auditors and the tests keep the lenient ``EncryptionCodec``: histories recorded
before encryption hold plain payloads and still replay there.
"""

from __future__ import annotations

import logging
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import (
    DefaultFailureConverter,
    DefaultFailureConverterWithEncodedAttributes,
    EncodingPayloadConverter,
    PayloadConverter,
)

from security.payload_codec import ENCODING, EncryptionCodec, PayloadDecryptionError, is_encrypted

log = logging.getLogger("relance.payloads")

REFUSED_ENCODING = "binary/refused"


class PayloadRefused(ValueError):
    """A payload the worker does not read: not sealed by the payload codec, or sealed by a key it
    lacks, or altered. A ``ValueError`` and not a Temporal failure, so that it never fails a
    workflow: it fails what read the payload (an update, a signal, a task)."""


class SealedOnlyCodec(EncryptionCodec):
    """``EncryptionCodec`` that opens sealed payloads only; any other becomes a ``binary/refused``
    payload holding the reason, refused where it is read (see the module's docstring)."""

    def decrypt(self, payload: Payload) -> Payload:
        if not is_encrypted(payload):
            encoding = payload.metadata.get(ENCODING, b"none").decode("utf-8", errors="replace")[:40]
            return _refused(
                f"payload refused: it is not sealed by the payload codec (encoding {encoding!r}); "
                "commands reach a case through the back office or the relance command line only"
            )
        try:
            return super().decrypt(payload)
        except PayloadDecryptionError as error:
            return _refused(f"payload refused: {error}")


def _refused(reason: str) -> Payload:
    log.warning("%s", reason)
    return Payload(metadata={ENCODING: REFUSED_ENCODING.encode("ascii")}, data=reason.encode("utf-8"))


class _RefusedPayloadConverter(EncodingPayloadConverter):
    """Reads a ``binary/refused`` payload by raising its reason; never writes one."""

    @property
    def encoding(self) -> str:
        return REFUSED_ENCODING

    def to_payload(self, value: Any) -> Payload | None:
        return None

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        raise PayloadRefused(payload.data.decode("utf-8", errors="replace"))


class SealedPayloadConverter(PydanticPayloadConverter):
    """The pydantic converter, and the refusal of what ``SealedOnlyCodec`` did not open."""

    def __init__(self) -> None:
        super().__init__()
        self._set_converters(*self.converters.values(), _RefusedPayloadConverter())


class ReadableRefusals(DefaultFailureConverterWithEncodedAttributes):
    """Failures encrypted as before, but a refused payload's: written in clear, the refusal itself
    first (the SDK wraps it in "Failed decoding arguments", which tells nothing)."""

    _clear = DefaultFailureConverter()

    def to_failure(
        self, exception: BaseException, payload_converter: PayloadConverter, failure: Failure
    ) -> None:
        refusal = _refusal_in(exception)
        if refusal is None:
            super().to_failure(exception, payload_converter, failure)
        else:
            self._clear.to_failure(refusal, payload_converter, failure)


def _refusal_in(exception: BaseException) -> PayloadRefused | None:
    seen: BaseException | None = exception
    for _ in range(10):  # a cause chain is short; a loop in it must not hang the worker
        if seen is None or isinstance(seen, PayloadRefused):
            return seen
        seen = seen.__cause__
    return None
