"""The worker as an operator runs it, ``python worker.py``, a separate process on a Temporal dev
server, killed with SIGKILL as a crash kills it: the mail it had just handed over goes once, and the
invoices an import stored without starting their cases are started when it starts."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from activities.smtp import message_id_for
from backoffice.intake.batch import ImportInterrupted, prepare_import, start_case
from backoffice.intake.unstarted import unstarted_invoices
from config.policy import load_policy
from config.settings import Settings
from embedded.smtp_outbox import OutboxHandler, OutboxSMTPServer, free_port
from storage.database import Database
from storage.journal import case_events, find_event
from tests.fixtures.cases import make_case, on_its_own_account, rate_tables_for_tests
from tests.fixtures.database import store_account
from tests.fixtures.smtp import read_messages
from tests.fixtures.temporal import converter_for_tests
from tests.fixtures.web import csv_file, invoice_row

ROOT = Path(__file__).resolve().parent.parent


class KillsTheWorkerOnQuit(OutboxHandler):
    """Keeps every mail as the outbox does; the first time a client says QUIT after a mail was
    accepted, the worker is killed before it gets the server's goodbye: it knows its mail was
    accepted, and nothing after that happens."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.victim: int | None = None
        self.accepted = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        self.accepted += 1
        return answer

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.victim is not None and self.accepted:
            os.kill(self.victim, signal.SIGKILL)
            self.victim = None
        return "221 Bye"


@dataclass
class WorkerProcesses:
    settings: Settings
    env: dict[str, str]
    log: Path

    async def start(self) -> asyncio.subprocess.Process:
        with self.log.open("ab") as log:
            return await asyncio.create_subprocess_exec(
                sys.executable, str(ROOT / "worker.py"), env=self.env, stdout=log, stderr=log, cwd=ROOT
            )

    async def stop(self, process: asyncio.subprocess.Process | None) -> None:
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 60)
        except TimeoutError:
            process.kill()
            raise AssertionError(f"the worker did not stop\n{self.log.read_text()}") from None


@pytest.fixture
async def worker_processes(
    visibility_server: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[tuple[WorkerProcesses, OutboxSMTPServer]]:
    """Worker processes on one data folder and task queue, and the SMTP server they send through."""
    outbox = OutboxSMTPServer(tmp_path / "outbox", port=free_port("127.0.0.1"))
    outbox.handler = KillsTheWorkerOnQuit(outbox.folder)
    settings = Settings(
        data_dir=tmp_path / "var",
        temporal_address=visibility_server.client.service_client.config.target_host,
        temporal_task_queue=f"worker-{uuid.uuid4().hex[:8]}",
        smtp_port=outbox.port,
        rates_dir=rate_tables_for_tests(tmp_path / "rates"),
    )
    env = {
        **os.environ,
        "RELANCE_DATA_DIR": str(settings.data_dir),
        "TEMPORAL_ADDRESS": settings.temporal_address,
        "TEMPORAL_TASK_QUEUE": settings.temporal_task_queue,
        "SMTP_PORT": str(outbox.port),
        "RELANCE_RATES_DIR": str(settings.rates_dir),
    }
    with outbox:
        yield WorkerProcesses(settings, env, tmp_path / "worker.log"), outbox


async def eventually(probe: Callable[[], Awaitable[Any]], what: str, seconds: float, log: Path) -> Any:
    for _ in range(int(seconds * 5)):
        value = await probe()
        if value:
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"never, in {seconds} s: {what}\n--- worker log ---\n{log.read_text()}")


async def test_a_worker_killed_right_after_the_server_accepted_a_mail_sends_it_once(
    visibility_server: WorkflowEnvironment, worker_processes: tuple[WorkerProcesses, OutboxSMTPServer]
) -> None:
    workers, outbox = worker_processes
    assert isinstance(outbox.handler, KillsTheWorkerOnQuit)
    database = Database(workers.settings.effective_database_url)
    await database.migrate()
    first = await workers.start()
    outbox.handler.victim = first.pid
    # The demo ladder: the first reminder goes by email five seconds after the case starts.
    demo = load_policy("demo")
    case = on_its_own_account(
        make_case(due_date=date.today() + timedelta(days=30), policy=demo), workers.settings
    )
    handle = await start_case(visibility_server.client, workers.settings.temporal_task_queue, case)
    assert handle is not None
    second = None
    try:
        await asyncio.wait_for(first.wait(), 60)
        assert first.returncode == -signal.SIGKILL, workers.log.read_text()
        [accepted] = read_messages(outbox)
        message_id = message_id_for(case.case_id, "first_reminder", workers.settings.smtp_sender)
        assert accepted["Message-ID"] == message_id
        assert await find_event(database, f"email:{message_id}") is None  # killed before the journal

        second = await workers.start()
        # The dead worker's attempt times out on its heartbeat (10 s), not its start-to-close
        # timeout (2 min): the retry, 10 s later, runs on the new worker.
        await eventually(
            lambda: find_event(database, f"email:{message_id}"), "the email journaled", 45, workers.log
        )
        ids = [message["Message-ID"] for message in read_messages(outbox)]
        assert ids.count(message_id) == 1
        assert len(ids) == len(set(ids)), f"an email went twice: {ids}"
        sent = [event for event in await case_events(database, case.case_id) if event.kind == "email_sent"]
        assert [event.step_key for event in sent].count("first_reminder") == 1
    finally:
        await handle.terminate("test over")
        for process in (first, second):
            await workers.stop(process)
        await database.dispose()


async def test_a_worker_starts_the_cases_an_import_stored_without_starting_them(
    visibility_server: WorkflowEnvironment,
    worker_processes: tuple[WorkerProcesses, OutboxSMTPServer],
    tmp_path: Path,
) -> None:
    workers, _ = worker_processes
    settings = workers.settings
    database = Database(settings.effective_database_url)
    await database.migrate()
    due = date.today() + timedelta(days=30)
    invoices = tmp_path / "invoices.csv"
    invoices.write_bytes(csv_file(invoice_row("W-1", due), invoice_row("W-2", due, amount="120.00")))
    # The import loses Temporal once the invoices are stored: none of their cases starts.
    lost = await Client.connect(
        f"127.0.0.1:{free_port('127.0.0.1')}", lazy=True, data_converter=converter_for_tests()
    )
    with pytest.raises(ImportInterrupted, match="0 dossier ouvert sur 2"):
        await prepare_import(settings, [invoices], "default").run(
            lost, database, settings.temporal_task_queue, started_by="alice"
        )
    waiting = await unstarted_invoices(database)
    assert sorted(invoice.number for invoice in waiting) == ["W-1", "W-2"]

    worker = await workers.start()
    try:
        await eventually(lambda: _no_unstarted(database), "the cases opened by the worker", 60, workers.log)
        for invoice in waiting:
            [opened, *_] = await case_events(database, invoice.case_id)
            assert (opened.kind, opened.actor) == ("case_opened", "alice")
    finally:
        for invoice in waiting:
            await visibility_server.client.get_workflow_handle(invoice.case_id).terminate("test over")
        await workers.stop(worker)
        await database.dispose()


async def _no_unstarted(database: Database) -> bool:
    return not await unstarted_invoices(database)


async def test_a_worker_killed_while_an_account_sends_sends_its_email_and_letter_once(
    visibility_server: WorkflowEnvironment, worker_processes: tuple[WorkerProcesses, OutboxSMTPServer]
) -> None:
    workers, outbox = worker_processes
    assert isinstance(outbox.handler, KillsTheWorkerOnQuit)
    database = Database(workers.settings.effective_database_url)
    await database.migrate()
    # Two invoices of one debtor on the demo ladder: their reminders go as one email.
    demo = load_policy("demo")
    due = date.today() + timedelta(days=30)
    cases = [on_its_own_account(make_case(due_date=due, policy=demo), workers.settings) for _ in range(2)]
    await store_account(database, cases)
    first = await workers.start()
    outbox.handler.victim = first.pid
    client = visibility_server.client
    handles = [await start_case(client, workers.settings.temporal_task_queue, case) for case in cases]
    account_id = cases[0].account_id
    assert account_id is not None
    second = None
    try:
        # The worker starts, the demo's reminders fall due (5 s), the account sends them.
        await asyncio.wait_for(first.wait(), 120)
        assert first.returncode == -signal.SIGKILL, workers.log.read_text()
        [accepted] = read_messages(outbox)
        assert f".{account_id}@" in accepted["Message-ID"]

        second = await workers.start()

        async def both_noticed() -> bool:
            kinds = [{e.kind for e in await case_events(database, case.case_id)} for case in cases]
            return all("formal_notice_sent" in k for k in kinds)

        await eventually(both_noticed, "both cases journal the grouped formal notice", 120, workers.log)
        ids = [message["Message-ID"] for message in read_messages(outbox)]
        assert len(ids) == len(set(ids)), f"an email went twice: {ids}"
        # Reminders, notice and copies: only the account's own, never one per invoice.
        assert all(f".{account_id}@" in i for i in ids), ids
        letters = sorted((workers.settings.data_dir / "registered").glob("*/*/receipt.json"))
        assert [letter.parent.parent.name for letter in letters] == [account_id]
        for case in cases:
            events = await case_events(database, case.case_id)
            reminders = [e.step_key for e in events if e.kind == "reminder_sent"]
            assert reminders == ["first_reminder", "second_reminder"]
    finally:
        for handle in handles:
            if handle is not None:
                await handle.terminate("test over")
        for process in (first, second):
            await workers.stop(process)
        await database.dispose()
