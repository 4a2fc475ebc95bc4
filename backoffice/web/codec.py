"""The codec endpoint of the Temporal UI (and of ``temporal workflow show --codec-endpoint``).

The UI sends the payloads it shows to ``/codec/decode`` and gets them back in clear, so people
signed in to the back office read cases in the Temporal UI while the server keeps only ciphertext.
The protocol is Temporal's remote codec: a JSON body ``{"payloads": [...]}`` in protobuf JSON form,
the same shape back. Only browsers signed in here, from the origins the settings allow, get an
answer; everyone else gets the ciphertext's refusal (401).

It decodes only. Sealing is what makes the worker take a payload (``security/sealed_only.py``): an
``/codec/encode`` would let anyone signed in seal a command in any name and send it to Temporal
themselves, past the role and four-eyes checks. Commands go through the case pages; the UI's
actions that need a payload sealed (send a signal or an update, start a workflow) find no encoder.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from backoffice.accounts import SignedIn
from backoffice.web.access import Permission, requires
from security.payload_codec import PayloadDecryptionError

router = APIRouter()
Reader = Annotated[SignedIn, Depends(requires(Permission.READ))]
ALLOWED_HEADERS = "Content-Type, X-Namespace, Authorization"


def _cors(request: Request, response: Response) -> Response:
    """Credentialed CORS for the allowed origins only, on the codec routes only."""
    origin = request.headers.get("origin", "")
    if origin in request.app.state.backoffice.settings.codec_origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Vary"] = "Origin"
    return response


@router.options("/codec/decode")
async def codec_preflight(request: Request) -> Response:
    return _cors(request, Response(status_code=204))


@router.post("/codec/decode")
async def decode(request: Request, user: Reader) -> Response:
    try:
        payloads = json_format.Parse(await request.body(), Payloads())
    except json_format.ParseError as error:
        return _cors(request, Response(f"not a payloads document: {error}", status_code=400))
    codec = request.app.state.backoffice.client.data_converter.payload_codec
    items = list(payloads.payloads)
    if codec is not None:
        try:
            items = await codec.decode(items)
        except PayloadDecryptionError as error:
            return _cors(request, Response(f"payload keys: {error}", status_code=422))
    body = json_format.MessageToJson(Payloads(payloads=items))
    return _cors(request, Response(body, media_type="application/json"))
