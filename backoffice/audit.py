"""What auditors ask of a case: its actions as the Temporal history proves them, and whether that
history still replays deterministically against today's workflow code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from backoffice.cases import CASES_QUERY
from config.encryption import data_converter, payload_keys
from config.settings import load_settings
from models.case import CaseEventRecord
from models.payload_codec import EncryptionCodec, decode_history, is_encrypted
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

    Encrypted payloads (a history as the server keeps it) are opened with ``codec``, by default
    with the configured payload keys; a decoded history (``case_history``) needs no key."""
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
            codec = codec or EncryptionCodec(payload_keys(load_settings()))
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


def replayer(converter: DataConverter | None = None) -> Replayer:
    """A replayer of today's workflows; by default it decrypts with the configured payload keys
    (a history recorded before encryption replays with any)."""
    return Replayer(workflows=WORKFLOWS, data_converter=converter or data_converter(load_settings()))


async def replay_history(history: WorkflowHistory, converter: DataConverter | None = None) -> ReplayOutcome:
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
