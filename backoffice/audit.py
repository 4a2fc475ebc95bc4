"""What auditors ask of a case: its actions as the Temporal history proves them, and whether that
history still replays deterministically against today's workflow code."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from backoffice.cases import CASES_QUERY
from models.ledger import CaseEventRecord
from models.wording import history_event_fr
from security.payload_codec import EncryptionCodec, PayloadDecryptionError, decode_history, is_encrypted
from support.files import sha256_of_file
from workflows import WORKFLOWS

JOURNAL_ACTIVITY = "record_event"


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    kind: str
    actor: str
    detail: str
    step_key: str | None
    document_sha256: str | None
    # True once the server recorded that the journal write completed.
    confirmed: bool


def actions_from_history(history: WorkflowHistory, codec: EncryptionCodec | None = None) -> list[AuditEntry]:
    """Every journal action the workflow scheduled, in order, decoded from the history itself.

    Encrypted payloads (a history as the server keeps it) are opened with ``codec``; a decoded
    history (``case_history``) needs none."""
    completed: set[int] = {
        event.activity_task_completed_event_attributes.scheduled_event_id
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
    }
    entries: list[AuditEntry] = []
    converter = pydantic_data_converter.payload_converter
    for event in history.events:
        if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            continue
        attributes = event.activity_task_scheduled_event_attributes
        if attributes.activity_type.name != JOURNAL_ACTIVITY:
            continue
        payloads = list(attributes.input.payloads)
        if any(is_encrypted(payload) for payload in payloads):
            if codec is None:
                raise PayloadDecryptionError("the history is encrypted: give the codec of its payload keys")
            payloads = [codec.decrypt(payload) for payload in payloads]
        [record] = converter.from_payloads(payloads, [CaseEventRecord])
        entries.append(
            AuditEntry(
                at=record.occurred_at,
                kind=record.kind,
                actor=record.actor,
                detail=record.detail,
                step_key=record.step_key,
                document_sha256=record.document_sha256,
                confirmed=event.event_id in completed,
            )
        )
    return entries


async def case_history(client: Client, case_id: str) -> WorkflowHistory:
    """The case's history, its payloads decrypted with the client's keys: what the workflow saw,
    for the people allowed to read it (the server keeps and hands out ciphertext)."""
    history = await client.get_workflow_handle(case_id).fetch_history()
    return await decode_history(history, client.data_converter.payload_codec)


@dataclass(frozen=True)
class ReplayOutcome:
    case_id: str
    run_id: str
    deterministic: bool
    failure: str | None


def replayer(converter: DataConverter) -> Replayer:
    """A replayer of today's workflows, decrypting with ``converter``'s payload keys (a history
    recorded before encryption replays with any)."""
    return Replayer(workflows=WORKFLOWS, data_converter=converter)


async def replay_history(history: WorkflowHistory, converter: DataConverter) -> ReplayOutcome:
    result = await replayer(converter).replay_workflow(history, raise_on_replay_failure=False)
    return _outcome(history, result.replay_failure)


async def replay_all(client: Client) -> AsyncIterator[ReplayOutcome]:
    histories = client.list_workflows(CASES_QUERY).map_histories()
    async with replayer(client.data_converter).workflow_replay_iterator(histories) as results:
        async for result in results:
            yield _outcome(result.history, result.replay_failure)


def _outcome(history: WorkflowHistory, failure: Exception | None) -> ReplayOutcome:
    run_id = history.events[0].workflow_execution_started_event_attributes.original_execution_run_id
    return ReplayOutcome(
        case_id=history.workflow_id,
        run_id=run_id,
        deterministic=failure is None,
        failure=None if failure is None else f"{type(failure).__name__}: {failure}",
    )


# --- a history as people read it ------------------------------------------------------------------

# Bookkeeping between the server and the worker: true to the history, noise to a reader.
_UNREADABLE = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
}


@dataclass(frozen=True)
class TimelineEntry:
    event_id: int
    at: datetime
    # The event in French (``models.wording.history_event_fr``); what it carried, in its own words.
    what: str
    detail: str


def payload_value(payload: Payload) -> Any:
    """A decoded payload as JSON, or a note when it is not JSON (binary, or still encrypted)."""
    encoding = payload.metadata.get("encoding", b"").decode("ascii", "replace")
    if encoding == "json/plain":
        return json.loads(payload.data)
    if encoding == "binary/null":
        return None
    return f"<{encoding}, {len(payload.data)} octets>"


def _values(payloads: Any) -> str:
    values = [payload_value(payload) for payload in payloads.payloads]
    return json.dumps(values[0] if len(values) == 1 else values, ensure_ascii=False, default=str)


def readable_timeline(history: WorkflowHistory) -> list[TimelineEntry]:
    """Every event of a decoded history that tells what happened, each with what it carried."""
    scheduled: dict[int, str] = {}
    entries = []
    for event in history.events:
        if event.event_type in _UNREADABLE:
            continue
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled[event.event_id] = event.activity_task_scheduled_event_attributes.activity_type.name
        what = history_event_fr(EventType.Name(event.event_type).removeprefix("EVENT_TYPE_"))
        entries.append(
            TimelineEntry(
                event.event_id,
                event.event_time.ToDatetime().replace(tzinfo=UTC),
                what,
                _detail(event, scheduled),
            )
        )
    return entries


def _duration_fr(duration: timedelta) -> str:
    """``2 jours 3 h 5 min``, ``40 s``: a timer's wait as a person reads it."""
    minutes, seconds = divmod(round(duration.total_seconds()) - duration.days * 86_400, 60)
    hours, minutes = divmod(minutes, 60)
    days = f"{duration.days} jour{'s' if duration.days > 1 else ''}" if duration.days else ""
    parts = [days, *(f"{n} {unit}" for n, unit in ((hours, "h"), (minutes, "min"), (seconds, "s")) if n)]
    return " ".join(part for part in parts if part) or "0 s"


def _detail(event: HistoryEvent, scheduled: dict[int, str]) -> str:
    kind = event.event_type
    if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        attributes = event.workflow_execution_started_event_attributes
        queue = attributes.task_queue.name
        return f"{attributes.workflow_type.name} sur {queue} : {_values(attributes.input)}"
    if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        attributes = event.activity_task_scheduled_event_attributes
        return f"{attributes.activity_type.name}({_values(attributes.input)})"
    if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        attributes = event.activity_task_completed_event_attributes
        name = scheduled.get(attributes.scheduled_event_id, "activité")
        return f"{name} a rendu {_values(attributes.result)}"
    if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
        attributes = event.activity_task_failed_event_attributes
        name = scheduled.get(attributes.scheduled_event_id, "activité")
        return f"{name} a échoué : {attributes.failure.message}"
    if kind == EventType.EVENT_TYPE_TIMER_STARTED:
        attributes = event.timer_started_event_attributes
        return f"attendre {_duration_fr(attributes.start_to_fire_timeout.ToTimedelta())}"
    if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        request = event.workflow_execution_update_accepted_event_attributes.accepted_request
        return f"{request.input.name}: {_values(request.input.args)}"
    if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
        outcome = event.workflow_execution_update_completed_event_attributes.outcome
        if outcome.HasField("failure"):
            return f"refusée : {outcome.failure.message}"
        result = [payload_value(p) for p in outcome.success.payloads]
        message = result[0].get("message") if result and isinstance(result[0], dict) else None
        return message or json.dumps(result, ensure_ascii=False, default=str)
    if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        attributes = event.workflow_execution_signaled_event_attributes
        return f"{attributes.signal_name}: {_values(attributes.input)}"
    if kind == EventType.EVENT_TYPE_MARKER_RECORDED:
        attributes = event.marker_recorded_event_attributes
        details = {
            key: [payload_value(p) for p in value.payloads] for key, value in attributes.details.items()
        }
        return f"{attributes.marker_name} {json.dumps(details, ensure_ascii=False, default=str)}"
    if kind == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
        return ", ".join(f"{key}={payload_value(value)}" for key, value in sorted(fields.items()))
    if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
        return _values(event.workflow_execution_completed_event_attributes.result)
    return ""


# --- documents as the history proves them ----------------------------------------------------------


@dataclass(frozen=True)
class DocumentRecord:
    """A document as the history records it: where the activity wrote it, and its SHA-256."""

    path: str
    recorded_sha256: str
    label_code: str | None
    # The event that recorded the document.
    event_id: int

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass(frozen=True)
class DocumentCheck:
    document: DocumentRecord
    # None when the file is no longer where the history says it was written.
    current_sha256: str | None

    @property
    def verdict(self) -> str:
        if self.current_sha256 is None:
            return "missing"
        return "intact" if self.current_sha256 == self.document.recorded_sha256 else "altered"


def _document_refs(value: Any) -> Iterator[dict[str, Any]]:
    """Every document reference (a path with its SHA-256) inside an activity's result."""
    if isinstance(value, dict):
        if isinstance(value.get("path"), str) and isinstance(value.get("sha256"), str):
            yield value
        for item in value.values():
            yield from _document_refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _document_refs(item)


def documents_in_history(history: WorkflowHistory) -> list[DocumentRecord]:
    """Every document an activity of the case reported writing, once each, from the history alone."""
    found: dict[tuple[str, str], DocumentRecord] = {}
    for event in history.events:
        if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            continue
        for payload in event.activity_task_completed_event_attributes.result.payloads:
            for ref in _document_refs(payload_value(payload)):
                found.setdefault(
                    (ref["path"], ref["sha256"]),
                    DocumentRecord(ref["path"], ref["sha256"], ref.get("label_code"), event.event_id),
                )
    return list(found.values())


def check_documents(documents: list[DocumentRecord]) -> list[DocumentCheck]:
    """Each document with the SHA-256 of its file as it is now (reads every file: call it off the
    event loop)."""
    return [DocumentCheck(document, _current_sha256(Path(document.path))) for document in documents]


def _current_sha256(path: Path) -> str | None:
    try:
        return sha256_of_file(path)
    except OSError:
        return None
