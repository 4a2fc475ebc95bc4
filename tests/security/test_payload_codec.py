"""Payload encryption: AES-256-GCM with key ids and rotation, keys from the settings, and a real
case whose history the Temporal server keeps without any personal data in clear."""

from __future__ import annotations

import asyncio
import base64
import os
import stat
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from backoffice.accounts import add_user
from backoffice.audit import actions_from_history, case_history, replay_history
from backoffice.intake.batch import start_case
from config.encryption import data_converter, payload_keys
from config.settings import Settings
from models.commands import PaymentRequest
from models.enums import CaseState, Role
from models.invoices import CaseInput
from security.payload_codec import (
    EncryptionCodec,
    PayloadDecryptionError,
    PayloadKey,
    PayloadKeyError,
    is_encrypted,
    parse_payload_keys,
    payloads_in,
)
from storage.database import Database
from tests.fixtures.cases import RelanceUnderTest, make_case
from tests.fixtures.cli import PASSWORD, session_env
from tests.fixtures.temporal import HISTORIES, TEST_PAYLOAD_KEYS
from worker import build_worker
from workflows import InvoiceCollectionWorkflow

OLD = PayloadKey("2025-01", bytes(range(100, 132)))
NEW = PayloadKey("2026-01", bytes(range(200, 232)))
RELANCE = Path(sys.executable).parent / "relance"
PARIS = ZoneInfo("Europe/Paris")

# A case's input as the pydantic converter makes it: the debtor's name, email and address.
CASE = make_case(due_date=date(2026, 3, 31))
CLEAR = pydantic_data_converter.payload_converter.to_payloads([CASE])[0]
PERSONAL = [CASE.debtor.name, CASE.debtor.email, CASE.debtor.address.street, "Martin"]


def holds_personal_data(data: bytes) -> bool:
    return any(value.encode("utf-8") in data for value in PERSONAL)


# --- the codec -----------------------------------------------------------------------------------


async def test_a_payload_is_sealed_whole_and_opens_back() -> None:
    codec = EncryptionCodec([NEW])
    assert holds_personal_data(CLEAR.data)

    [sealed] = await codec.encode([CLEAR])

    assert dict(sealed.metadata) == {"encoding": b"binary/encrypted", "encryption-key-id": b"2026-01"}
    assert not holds_personal_data(sealed.data)
    # Nonce, then the serialized payload (its metadata too) encrypted, then the tag.
    assert len(sealed.data) == 12 + len(CLEAR.SerializeToString()) + 16
    assert await codec.decode([sealed]) == [CLEAR]
    # A fresh nonce each time: the same payload never gives the same bytes.
    [again] = await codec.encode([CLEAR])
    assert again.data[:12] != sealed.data[:12] and again.data != sealed.data


async def test_the_data_converter_encrypts_values_and_failures() -> None:
    converter = data_converter(Settings(payload_keys=NEW.entry()))
    payloads = await converter.encode([CASE])
    assert all(is_encrypted(payload) for payload in payloads)
    assert await converter.decode(payloads, [CaseInput]) == [CASE]

    failure = Failure()
    error = RuntimeError(f"address refused: {CASE.debtor.email}")
    await converter.encode_failure(error, failure)
    assert not holds_personal_data(failure.SerializeToString())
    assert CASE.debtor.email in str(await converter.decode_failure(failure))


async def test_after_rotation_the_new_key_encrypts_and_the_old_one_still_decrypts() -> None:
    before = EncryptionCodec([OLD])
    rotated = EncryptionCodec([NEW, OLD])
    [by_old] = await before.encode([CLEAR])
    [by_new] = await rotated.encode([CLEAR])

    assert by_old.metadata["encryption-key-id"] == b"2025-01"
    assert by_new.metadata["encryption-key-id"] == b"2026-01"
    assert rotated.current_key_id == "2026-01" and rotated.key_ids == ["2026-01", "2025-01"]
    assert await rotated.decode([by_old, by_new]) == [CLEAR, CLEAR]
    # A process not yet given the new key cannot read what it sealed, and says which key it lacks.
    with pytest.raises(PayloadDecryptionError, match="'2026-01'") as refused:
        await before.decode([by_new])
    assert refused.value.key_id == "2026-01"


@pytest.mark.parametrize(
    "position", [0, 11, 12, 40, -1], ids=["nonce", "nonce-end", "start", "middle", "tag"]
)
async def test_a_tampered_payload_is_refused_naming_its_key(position: int) -> None:
    codec = EncryptionCodec([NEW, OLD])
    [sealed] = await codec.encode([CLEAR])
    data = bytearray(sealed.data)
    data[position] ^= 0x01
    tampered = Payload(metadata=sealed.metadata, data=bytes(data))

    with pytest.raises(PayloadDecryptionError, match="'2026-01' does not authenticate") as refused:
        await codec.decode([tampered])
    assert refused.value.key_id == "2026-01"


async def test_a_payload_relabelled_or_cut_short_is_refused() -> None:
    codec = EncryptionCodec([NEW, OLD])
    [sealed] = await codec.encode([CLEAR])
    relabelled = Payload(metadata={**sealed.metadata, "encryption-key-id": b"2025-01"}, data=sealed.data)
    with pytest.raises(PayloadDecryptionError, match="'2025-01' does not authenticate"):
        await codec.decode([relabelled])
    with pytest.raises(PayloadDecryptionError, match="'2026-01' does not authenticate"):
        await codec.decode([Payload(metadata=sealed.metadata, data=sealed.data[:20])])
    with pytest.raises(PayloadDecryptionError, match="without an encryption-key-id"):
        await codec.decode([Payload(metadata={"encoding": b"binary/encrypted"}, data=sealed.data)])


async def test_an_unknown_key_id_is_refused_naming_it() -> None:
    [sealed] = await EncryptionCodec([OLD]).encode([CLEAR])
    with pytest.raises(PayloadDecryptionError) as refused:
        await EncryptionCodec([NEW]).decode([sealed])
    assert refused.value.key_id == "2025-01"
    assert "'2025-01', which is not configured (configured: 2026-01)" in str(refused.value)


async def test_a_payload_recorded_before_encryption_passes_through() -> None:
    codec = EncryptionCodec([NEW])
    search_attribute = pydantic_data_converter.payload_converter.to_payloads(["formal_notice"])[0]
    assert await codec.decode([CLEAR, search_attribute]) == [CLEAR, search_attribute]


# --- the keys ------------------------------------------------------------------------------------


def test_keys_are_read_current_first_from_commas_or_lines() -> None:
    keys = parse_payload_keys(f" {NEW.entry()} , {OLD.entry()} ", "RELANCE_PAYLOAD_KEYS")
    assert keys == [NEW, OLD]
    text = f"# rotated in 2026\n{NEW.entry()}\n\n# kept to read the 2025 cases, a comment\n{OLD.entry()}\n"
    assert parse_payload_keys(text, "file") == [NEW, OLD]
    # The key never shows, not even in a repr.
    assert base64.b64encode(NEW.secret).decode() not in repr(keys)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "RELANCE_PAYLOAD_KEYS holds no payload key"),
        ("2026-01", "entry 1 is not id:base64key"),
        (f"{NEW.entry()},2025-01:", "entry 2 is not id:base64key"),
        ("2026-01:not base64!", "key '2026-01' is not valid base64"),
        ("2026-01:" + base64.b64encode(bytes(16)).decode(), "key '2026-01' is 16 bytes: AES-256 takes 32"),
        ("no way:" + base64.b64encode(bytes(32)).decode(), "key id 'no way' must be"),
    ],
)
def test_malformed_keys_are_refused_without_showing_them(text: str, message: str) -> None:
    with pytest.raises(PayloadKeyError, match=message) as refused:
        parse_payload_keys(text, "RELANCE_PAYLOAD_KEYS")
    secret = text.partition(":")[2]
    assert not secret or secret not in str(refused.value)


def test_a_key_id_given_twice_is_refused() -> None:
    twin = PayloadKey(NEW.key_id, OLD.secret)
    with pytest.raises(PayloadKeyError, match="'2026-01' is given twice"):
        EncryptionCodec([NEW, twin])
    with pytest.raises(PayloadKeyError, match="no payload key"):
        EncryptionCodec([])


def test_keys_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELANCE_PAYLOAD_KEYS", f"{NEW.entry()},{OLD.entry()}")
    assert payload_keys(Settings()) == [NEW, OLD]


def test_keys_come_from_a_key_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key_file = tmp_path / "keys"
    key_file.write_text(f"{NEW.entry()}\n{OLD.entry()}\n", encoding="utf-8")
    key_file.chmod(0o600)
    monkeypatch.delenv("RELANCE_PAYLOAD_KEYS")
    monkeypatch.setenv("RELANCE_PAYLOAD_KEY_FILE", str(key_file))
    assert payload_keys(Settings(data_dir=tmp_path / "var")) == [NEW, OLD]

    # Both at once is ambiguous; a key file named but missing is never created.
    monkeypatch.setenv("RELANCE_PAYLOAD_KEYS", NEW.entry())
    with pytest.raises(PayloadKeyError, match="not both"):
        payload_keys(Settings())
    missing = tmp_path / "elsewhere" / "keys"
    with pytest.raises(PayloadKeyError, match=f"payload key file {missing} does not exist"):
        payload_keys(Settings(payload_keys="", payload_key_file=missing))
    assert not missing.parent.exists()
    # An empty variable is no key file.
    monkeypatch.setenv("RELANCE_PAYLOAD_KEY_FILE", "")
    assert Settings().payload_key_file is None


async def test_the_embedded_default_makes_a_key_file_once_and_reads_it_afterwards(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", payload_keys="")
    key_file = tmp_path / "var" / "payload-keys"
    assert settings.embedded_payload_key_file == key_file

    first = data_converter(settings)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    content = key_file.read_text(encoding="utf-8")
    [key] = parse_payload_keys(content, "file")
    assert key.key_id.startswith("local-")
    assert [p.name for p in key_file.parent.iterdir()] == ["payload-keys"]

    # The next start reads the same key, so it opens what the first one sealed.
    sealed = await first.encode([CASE])
    second = data_converter(Settings(data_dir=tmp_path / "var", payload_keys=""))
    assert key_file.read_text(encoding="utf-8") == content
    assert await second.decode(sealed, [CaseInput]) == [CASE]


async def test_processes_starting_together_share_one_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", payload_keys="")
    found = await asyncio.gather(*(asyncio.to_thread(payload_keys, settings) for _ in range(8)))
    assert all(keys == found[0] for keys in found)


async def test_the_command_line_says_which_key_is_wrong(sqlite_database: Database, tmp_path: Path) -> None:
    short = "2026-01:" + base64.b64encode(bytes(16)).decode()
    await add_user(sqlite_database, "alice", PASSWORD, Role.ADMIN)
    signed_in = await session_env(sqlite_database, tmp_path, "alice")
    process = await asyncio.create_subprocess_exec(
        str(RELANCE),
        "list",
        env={
            **os.environ,
            "RELANCE_DATA_DIR": str(tmp_path),
            "DATABASE_URL": sqlite_database.url,
            **signed_in,
            "RELANCE_PAYLOAD_KEYS": short,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    assert process.returncode == 1
    message = " ".join(err.decode().split())
    assert "clés de chiffrement (RELANCE_PAYLOAD_KEYS)" in message
    assert "payload key '2026-01' is 16 bytes" in message
    assert "Traceback" not in message


async def test_a_worker_encrypts_whatever_client_it_is_given(
    time_skipping_env: WorkflowEnvironment, sqlite_database: Database, tmp_path: Path
) -> None:
    config = time_skipping_env.client.config()
    config["data_converter"] = pydantic_data_converter
    settings = Settings(data_dir=tmp_path / "var", payload_keys=NEW.entry())
    with ThreadPoolExecutor(settings.activity_slots) as executor:
        async with build_worker(Client(**config), settings, sqlite_database, executor) as worker:
            codec = worker.client.data_converter.payload_codec
    assert isinstance(codec, EncryptionCodec) and codec.key_ids == ["2026-01"]


# --- a real case ---------------------------------------------------------------------------------


def payloads_kept_in_clear(event: HistoryEvent) -> list[bytes]:
    """The payloads that never go through the codec: the search attributes the server indexes, and
    the ids of ``workflow.patched`` markers, which the SDK's core records itself."""
    patch = event.marker_recorded_event_attributes
    return [
        payload.SerializeToString()
        for attributes in (
            event.workflow_execution_started_event_attributes.search_attributes,
            event.upsert_workflow_search_attributes_event_attributes.search_attributes,
            patch if patch.marker_name == "core_patch" else None,
        )
        if attributes is not None
        for payload in payloads_in(attributes)
    ]


async def test_the_server_keeps_a_case_without_personal_data_in_clear(relance: RelanceUnderTest) -> None:
    async def today() -> date:
        return (await relance.env.get_current_time()).astimezone(PARIS).date()

    case = make_case(due_date=await today())
    handle = await start_case(relance.client, relance.settings.temporal_task_queue, case)
    assert handle is not None
    for _ in range(2):
        await relance.env.sleep(timedelta(days=1))
    for _ in range(300):
        status = await handle.query(InvoiceCollectionWorkflow.status)
        if any(action.step_key == "first_reminder" for action in status.actions):
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError(f"no first reminder: {status}")
    paid_on = await today()
    payment = PaymentRequest(amount=case.invoice.balance, paid_on=paid_on, agent="alice", reference="V-1")
    await handle.execute_update(InvoiceCollectionWorkflow.record_payment, payment)
    final = await handle.result()
    assert final.state == CaseState.PAID

    # The history as anyone reading the server gets it: a client without the keys.
    config = relance.client.config()
    config["data_converter"] = pydantic_data_converter
    raw = await Client(**config).get_workflow_handle(case.case_id).fetch_history()
    assert not holds_personal_data(b"".join(event.SerializeToString() for event in raw.events))
    # Every payload is sealed with the test key, but search attributes and patch markers.
    payloads = [payload for event in raw.events for payload in payloads_in(event)]
    clear = sorted(payload.SerializeToString() for payload in payloads if not is_encrypted(payload))
    assert clear == sorted(data for event in raw.events for data in payloads_kept_in_clear(event))
    assert len(payloads) > len(clear) > 0
    assert {payload.metadata["encryption-key-id"] for payload in payloads if is_encrypted(payload)} == {
        b"tests-1"
    }
    started = raw.events[0].workflow_execution_started_event_attributes
    assert set(started.memo.fields) >= {"debtor"} and all(map(is_encrypted, started.memo.fields.values()))

    # With the keys, that same history replays deterministically against today's workflow.
    with_keys = data_converter(Settings(payload_keys=TEST_PAYLOAD_KEYS))
    outcome = await replay_history(raw, with_keys)
    assert outcome.deterministic, outcome.failure
    # Without them it does not even start.
    outcome = await replay_history(raw, pydantic_data_converter)
    assert not outcome.deterministic

    # The back office reads it in clear, for the people allowed to.
    readable = await case_history(relance.client, case.case_id)
    in_clear = b"".join(event.SerializeToString() for event in readable.events)
    assert all(value.encode("utf-8") in in_clear for value in PERSONAL)
    assert (await replay_history(readable, with_keys)).deterministic
    assert actions_from_history(raw, with_keys.payload_codec) == actions_from_history(readable)
    assert [entry.kind for entry in actions_from_history(readable)] == [a.kind for a in final.actions]


async def test_a_history_recorded_before_encryption_still_replays() -> None:
    history = WorkflowHistory.from_json("full_ladder", (HISTORIES / "full_ladder.json").read_text("utf-8"))
    payloads = [payload for event in history.events for payload in payloads_in(event)]
    assert payloads and not any(map(is_encrypted, payloads))
    outcome = await replay_history(history, data_converter(Settings(payload_keys=NEW.entry())))
    assert outcome.deterministic, outcome.failure
