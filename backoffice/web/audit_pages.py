"""The auditor's pages: a case's history as a timeline and as raw JSON, a replay of it against
today's workflow code, its documents checked against the SHA-256 the history recorded, and an
export of every history of a period."""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
import zipfile
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from backoffice.accounts import SignedIn
from backoffice.audit import (
    actions_from_history,
    case_history,
    check_documents,
    documents_in_history,
    readable_timeline,
    replay_history,
)
from backoffice.commands import LOCAL_ZONE
from backoffice.web.access import Permission, checked_form, requires
from backoffice.web.histories import kept_history, readable_history
from backoffice.web.queries import BadQuery, query_period
from backoffice.web.rendering import render
from models.search_attributes import case_query

router = APIRouter()
Auditor = Annotated[SignedIn, Depends(requires(Permission.AUDIT))]


@router.get("/audit")
async def audit_home(request: Request, user: Auditor, case_id: str = "") -> Response:
    if case_id.strip():
        return RedirectResponse(f"/audit/cases/{case_id.strip()}", status_code=303)
    return await render(request, "audit.html")


@router.get("/audit/cases/{case_id}")
async def audit_case(request: Request, case_id: str, user: Auditor) -> Response:
    return await _audit_page(request, case_id, replay=False)


async def _audit_page(request: Request, case_id: str, replay: bool) -> Response:
    kept = await kept_history(request, case_id)
    history = await readable_history(request, case_id, kept)
    # The replay runs on the history as the server keeps it: it also proves the keys open it.
    outcome = (
        await replay_history(kept, request.app.state.backoffice.client.data_converter) if replay else None
    )
    return await render(
        request,
        "audit_case.html",
        case_id=case_id,
        timeline=readable_timeline(history),
        actions=actions_from_history(history),
        documents=await asyncio.to_thread(check_documents, documents_in_history(history)),
        events=len(history.events),
        replay=outcome,
    )


@router.get("/audit/cases/{case_id}/history.json")
async def audit_history_json(request: Request, case_id: str, user: Auditor) -> Response:
    """The history as Temporal exports it, payloads decoded: what the workflow saw."""
    history = await readable_history(request, case_id)
    return Response(
        history.to_json(),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{case_id}.history.json"'},
    )


@router.post("/audit/cases/{case_id}/replay")
async def audit_replay(request: Request, case_id: str, user: Auditor) -> Response:
    """Replays the case's history against today's workflow code, and shows the verdict."""
    await checked_form(request, user)
    return await _audit_page(request, case_id, replay=True)


@router.get("/audit/export")
async def audit_export(request: Request, user: Auditor, start: str = "", end: str = "") -> Response:
    """A zip of every case history started in [start, end], decoded, with a manifest of SHA-256."""
    if not start and not end:
        return await render(request, "audit_export.html", error=None, start="", end="")
    try:
        first, last = query_period(start, end, datetime.now(LOCAL_ZONE).date())
    except BadQuery as error:
        return await render(
            request, "audit_export.html", status_code=400, error=str(error), start=start, end=end
        )
    client = request.app.state.backoffice.client
    since = datetime.combine(first, time(), tzinfo=UTC)
    until = datetime.combine(last + timedelta(days=1), time(), tzinfo=UTC)
    task_queue = request.app.state.backoffice.settings.temporal_task_queue
    period = f"StartTime >= '{_instant(since)}' AND StartTime < '{_instant(until)}'"
    query = f"{case_query(running_only=False, task_queue=task_queue)} AND {period}"
    exports = request.app.state.backoffice.settings.data_dir / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=exports, suffix=".zip", delete=False)
    handle.close()
    target = Path(handle.name)
    manifest = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        async for execution in client.list_workflows(query):
            history = await case_history(client, execution.id)
            body = history.to_json().encode()
            name = f"{execution.id}.{execution.run_id}.history.json"
            await asyncio.to_thread(archive.writestr, name, body)
            manifest.append(
                {"file": name, "sha256": hashlib.sha256(body).hexdigest(), "events": len(history.events)}
            )
        summary = {
            "period": [first.isoformat(), last.isoformat()],
            "exported_by": user.username,
            "histories": manifest,
        }
        archive.writestr("manifest.json", json.dumps(summary, indent=2, ensure_ascii=False))
    return FileResponse(
        target,
        media_type="application/zip",
        filename=f"histories-{first.isoformat()}-{last.isoformat()}.zip",
        background=BackgroundTask(target.unlink, missing_ok=True),
    )


def _instant(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
