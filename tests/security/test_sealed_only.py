"""The worker reads sealed payloads only: a command sent straight to the Temporal server, in clear or
under another key, is refused with its reason and the case goes on as if it had never been sent."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.api.failure.v1 import Failure
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHistory, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError

from backoffice.intake.batch import start_case
from config.encryption import worker_data_converter
from config.settings import Settings
from models.commands import PaymentRequest
from models.enums import CaseState
from security.payload_codec import EncryptionCodec, PayloadKey, decode_history
from security.sealed_only import PayloadRefused, SealedOnlyCodec, SealedPayloadConverter
from storage.journal import case_events
from tests.fixtures.cases import RelanceUnderTest, make_case
from tests.fixtures.cli import TEMPORAL_CLI, Cli
from workflows import InvoiceCollectionWorkflow

PARIS = ZoneInfo("Europe/Paris")
KEY = PayloadKey("2026-01", bytes(range(200, 232)))
OTHER = PayloadKey("2026-01", bytes(range(100, 132)))
PAYMENT = PaymentRequest(amount="100.00", paid_on=date(2026, 1, 2), agent="anyone", agent_id=1)
[PLAIN] = pydantic_data_converter.payload_converter.to_payloads([PAYMENT])


def refusal_of(payload: Payload) -> str:
    """What a workflow reading ``payload`` through the worker's converter is told."""
    opened = SealedOnlyCodec([KEY]).decrypt(payload)
    with pytest.raises(PayloadRefused) as refused:
        SealedPayloadConverter().from_payloads([opened], [PaymentRequest])
    return str(refused.value)


async def test_the_worker_opens_what_its_keys_sealed() -> None:
    [sealed] = await EncryptionCodec([KEY]).encode([PLAIN])
    [opened] = await SealedOnlyCodec([KEY]).decode([sealed])
    assert SealedPayloadConverter().from_payloads([opened], [PaymentRequest]) == [PAYMENT]


async def test_a_plain_a_foreign_or_an_altered_payload_is_refused_where_it_is_read() -> None:
    assert "not sealed by the payload codec (encoding 'json/plain')" in refusal_of(PLAIN)
    [foreign] = await EncryptionCodec([PayloadKey("elsewhere", OTHER.secret)]).encode([PLAIN])
    assert "key 'elsewhere', which is not configured" in refusal_of(foreign)
    [forged] = await EncryptionCodec([OTHER]).encode([PLAIN])
    assert "key '2026-01' does not authenticate" in refusal_of(forged)
    # Decoding itself never raises: the refusal must not fail the whole workflow task.
    assert len(await SealedOnlyCodec([KEY]).decode([PLAIN, foreign, forged])) == 3


async def test_a_refusal_is_written_in_clear_other_failures_stay_encrypted() -> None:
    converter = worker_data_converter(Settings(payload_keys=KEY.entry()))
    try:
        try:
            raise PayloadRefused("payload refused: it is not sealed")
        except PayloadRefused as refusal:
            raise RuntimeError("Failed decoding arguments") from refusal
    except RuntimeError as wrapped:
        failure = Failure()
        await converter.encode_failure(wrapped, failure)
    assert (failure.message, failure.application_failure_info.type) == (
        "payload refused: it is not sealed",
        "PayloadRefused",
    )
    other = Failure()
    await converter.encode_failure(RuntimeError("address refused: f@martin.fr"), other)
    assert other.message == "Encoded failure" and b"martin" not in other.SerializeToString()


def refusal_message(error: WorkflowUpdateFailedError) -> str:
    cause = error.cause
    assert isinstance(cause, ApplicationError)
    return cause.message


async def test_a_command_sent_straight_to_the_server_is_refused_and_the_case_goes_on(
    relance: RelanceUnderTest,
) -> None:
    case = make_case(due_date=date.today() + timedelta(days=30))
    handle = await start_case(relance.client, relance.settings.temporal_task_queue, case)
    assert handle is not None
    paid_on = (await relance.env.get_current_time()).astimezone(PARIS).date()
    forged = PaymentRequest(amount=case.invoice.balance, paid_on=paid_on, agent="anyone", agent_id=1)

    # A client without the keys: the payload goes in clear, as `temporal workflow update` sends it.
    config = relance.client.config()
    config["data_converter"] = pydantic_data_converter
    plain = Client(**config).get_workflow_handle(case.case_id)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await plain.execute_update(InvoiceCollectionWorkflow.record_payment, forged)
    assert "not sealed by the payload codec" in refusal_message(refused.value)

    # A client with a key of its own: the payload does not authenticate under the worker's keys.
    config["data_converter"] = dataclasses.replace(
        pydantic_data_converter, payload_codec=EncryptionCodec([PayloadKey("tests-1", OTHER.secret)])
    )
    foreign = Client(**config).get_workflow_handle(case.case_id)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await foreign.execute_update(InvoiceCollectionWorkflow.record_payment, forged)
    assert "key 'tests-1' does not authenticate" in refusal_message(refused.value)

    # The case never saw them: still running, nothing paid, and the made-up name is nowhere.
    status = await handle.query(InvoiceCollectionWorkflow.status)
    assert status.state == CaseState.OPEN and status.balance == case.invoice.balance
    assert all(action.actor != "anyone" for action in status.actions)
    assert all(event.actor != "anyone" for event in await case_events(relance.database, case.case_id))
    # And it still takes a sealed command.
    sealed = forged.model_copy(update={"agent": "alice"})
    result = await handle.execute_update(InvoiceCollectionWorkflow.record_payment, sealed)
    assert result.status.balance == 0
    final = await handle.result()
    assert final.state == CaseState.PAID
    assert [a.actor for a in final.actions if a.kind == "payment_recorded"] == ["alice"]


async def test_the_temporal_command_line_gets_the_reason(cli: Cli) -> None:
    """The issue's door: `temporal workflow update execute` with a JSON input, on a live case."""
    row = (
        "123456782,Menuiserie Dupont,compta@dupont.fr,12 rue des Artisans,69003,Lyon,Jean Dupont,gérant,"
        "business,Bâtiments Martin,987654324,f@martin.fr,4 av. Jaurès,75019,Paris,"
        f"F-PLAIN,{date.today().isoformat()},{date.today().isoformat()},500.00,0,,"
    )
    await cli.json("import", str(cli.write_csv(row)))
    [case_id] = [c["case_id"] for c in await cli.json("list") if c["memo"].get("invoice") == "F-PLAIN"]
    forged = {"amount": "500.00", "paid_on": date.today().isoformat(), "agent": "anyone"}
    process = await asyncio.create_subprocess_exec(
        str(TEMPORAL_CLI),
        "workflow",
        "update",
        "execute",
        "--address",
        cli.settings.temporal_address,
        "--workflow-id",
        case_id,
        "--name",
        "record_payment",
        "--input",
        json.dumps(forged),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    assert process.returncode != 0
    assert "not sealed by the payload codec" in out.decode()
    status = await cli.json("status", case_id)
    assert status["state"] == "open" and status["balance"] == "500.00"
    assert all(action["actor"] != "anyone" for action in status["actions"])


async def test_a_history_decoded_by_the_worker_keeps_its_search_attributes_as_they_are(
    caplog: pytest.LogCaptureFixture,
) -> None:
    [sealed] = await EncryptionCodec([KEY]).encode([PLAIN])
    [attribute] = pydantic_data_converter.payload_converter.to_payloads(["open"])
    started = HistoryEvent(event_id=1, event_type=EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)
    started.workflow_execution_started_event_attributes.input.payloads.append(sealed)
    started.workflow_execution_started_event_attributes.search_attributes.indexed_fields[
        "CaseState"
    ].CopyFrom(attribute)
    decoded = await decode_history(WorkflowHistory("case-1", [started]), SealedOnlyCodec([KEY]))

    attributes = decoded.events[0].workflow_execution_started_event_attributes
    assert attributes.input.payloads[0] == PLAIN
    assert attributes.search_attributes.indexed_fields["CaseState"] == attribute
    assert "payload refused" not in caplog.text
