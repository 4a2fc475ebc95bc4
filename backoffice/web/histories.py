"""A case's Temporal history, as the pages read it: as the server keeps it, or decoded."""

from __future__ import annotations

from fastapi import Request
from temporalio.client import WorkflowHistory
from temporalio.service import RPCError

from backoffice.commands import rpc_failure
from backoffice.web.rendering import NotFound
from security.payload_codec import decode_history


async def kept_history(request: Request, case_id: str) -> WorkflowHistory:
    """The case's history as the server keeps it (payloads encrypted)."""
    try:
        return await request.app.state.backoffice.client.get_workflow_handle(case_id).fetch_history()
    except RPCError as error:
        raise NotFound("Historique introuvable", str(rpc_failure(case_id, error))) from error


async def readable_history(
    request: Request, case_id: str, kept: WorkflowHistory | None = None
) -> WorkflowHistory:
    """The case's history as the workflow saw it, payloads decoded with the back office's keys."""
    kept = kept or await kept_history(request, case_id)
    return await decode_history(kept, request.app.state.backoffice.client.data_converter.payload_codec)
