"""The Relance worker: runs the collection workflows and their activities.

``python worker.py`` connects to the Temporal server named by ``TEMPORAL_ADDRESS``, migrates the
database named by ``DATABASE_URL``, starts the cases of invoices an import stored but did not start
(stopped in between), and works until SIGINT or SIGTERM, then stops gracefully: it takes no new
task and gives running activities time to finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from activities.account_sending import AccountSendingActivities
from activities.account_statements import AccountStatementActivities
from activities.debtor_accounts import DebtorAccountActivities
from activities.documents import DocumentActivities
from activities.heartbeats import HeartbeatInterceptor
from activities.labels import LabelActivities
from activities.ledger import LedgerActivities
from activities.legal import LegalActivities
from activities.mail import MailActivities
from activities.parties import PartyActivities
from activities.penalties import PenaltyActivities
from backoffice.intake.unstarted import start_unstarted_cases
from config.encryption import worker_data_converter
from config.settings import Settings, load_settings
from config.temporal import connect
from models.search_attributes import CASE_SEARCH_ATTRIBUTES
from storage.database import Database
from support.files import keep_private
from workflows import WORKFLOWS

log = logging.getLogger("relance.worker")

GRACEFUL_SHUTDOWN = timedelta(seconds=30)


async def ensure_search_attributes(client: Client, namespace: str) -> None:
    """Register the search attributes the cases publish (models/search_attributes.py) where the
    server lacks them; a server that will not (a cluster where the worker may not administer its
    namespace) stops the worker with the command an operator runs once."""
    wanted = {
        key.name: IndexedValueType.ValueType(int(key.indexed_value_type)) for key in CASE_SEARCH_ATTRIBUTES
    }
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
    except RPCError as error:
        if error.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        # The time-skipping test server registers without listing.
        known = {}
    else:
        known = {**listed.system_attributes, **listed.custom_attributes}
    for name, kind in wanted.items():
        if name in known and known[name] != kind:
            raise RuntimeError(
                f"search attribute {name} exists with another type than "
                f"{IndexedValueType.Name(kind)}: rename or remove it on the Temporal server"
            )
    missing = {name: kind for name, kind in wanted.items() if name not in known}
    if not missing:
        return
    try:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
    except RPCError as error:
        commands = "; ".join(
            f"temporal operator search-attribute create --namespace {namespace} --name {name} "
            f"--type {IndexedValueType.Name(kind).removeprefix('INDEXED_VALUE_TYPE_').title()}"
            for name, kind in missing.items()
        )
        raise RuntimeError(
            f"cannot register the case search attributes ({error.message}); run: {commands}"
        ) from error
    log.info("registered search attributes %s in namespace %s", ", ".join(missing), namespace)


def activities_for(settings: Settings, database: Database, client: Client) -> Sequence[Any]:
    """Every activity, bound to its dependencies: one per side effect; ``client`` is the worker's,
    through which a debtor's account asks its cases."""
    accounts = DebtorAccountActivities(client)
    sending = AccountSendingActivities(client)
    statements = AccountStatementActivities(settings, database, client)
    documents = DocumentActivities(settings)
    labels = LabelActivities(settings)
    mail = MailActivities(settings, database)
    ledger = LedgerActivities(database)
    legal = LegalActivities(settings, database)
    penalties = PenaltyActivities(settings)
    parties = PartyActivities(settings, database)
    return [
        documents.render_letter,
        documents.render_grouped_letter,
        documents.combine_documents,
        labels.label_pdf,
        labels.label_invoice,
        labels.render_attestation,
        mail.send_email,
        mail.send_registered_letter,
        mail.registered_letter_status,
        ledger.record_event,
        ledger.record_payment,
        legal.handoff_to_bailiff,
        legal.judicial_rules,
        legal.invoice_document,
        legal.export_history,
        legal.prepare_filing,
        legal.prepare_grouped_filing,
        legal.deliver_to_bailiff,
        legal.draw_claim_declaration,
        penalties.compute_penalties,
        penalties.render_penalty_statement,
        parties.current_parties,
        accounts.case_balances,
        accounts.pay_case,
        accounts.command_case,
        sending.ask_account,
        statements.draw_statement,
    ]


def build_worker(
    client: Client, settings: Settings, database: Database, executor: ThreadPoolExecutor
) -> Worker:
    # The worker reads and writes payloads with the keys the settings name, whatever converter the
    # given client was made with: it never sends a case's data to Temporal in clear, reads whatever
    # the command line encrypted with the same keys, and refuses what they do not open.
    config = client.config()
    config["data_converter"] = worker_data_converter(settings)
    # PDF rendering and stamping are sync activities: they run on the executor's threads so the
    # event loop that drives workflow tasks never stalls.
    worker_client = Client(**config)
    return Worker(
        worker_client,
        task_queue=settings.temporal_task_queue,
        workflows=WORKFLOWS,
        activities=activities_for(settings, database, worker_client),
        activity_executor=executor,
        # Every activity heartbeats while it runs, so a dead worker's step is retried in seconds.
        interceptors=[HeartbeatInterceptor()],
        max_concurrent_activities=settings.activity_slots,
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
    )


async def start_unstarted(client: Client, database: Database, settings: Settings) -> None:
    """Start the cases of the invoices an import stored but did not start (it was stopped in
    between). Whatever fails here leaves them listed on the dashboard for the next start."""
    try:
        resumed = await start_unstarted_cases(client, database, settings)
    except Exception:
        log.exception("invoices stored without a case: not started now, the next worker start tries again")
        return
    for refusal in resumed.refused:
        log.warning("invoice stored without a case, not started: %s", refusal)
    if resumed.started:
        log.info("started the cases of %d invoices stored without one", resumed.started)


async def run_worker(settings: Settings, stop: asyncio.Event) -> None:
    """Run until ``stop`` is set, then shut down gracefully."""
    await asyncio.to_thread(keep_private, settings.data_dir)
    database = Database(settings.effective_database_url)
    try:
        await database.migrate()
        client = await connect(settings)
        await ensure_search_attributes(client, settings.temporal_namespace)
        with ThreadPoolExecutor(settings.activity_slots, thread_name_prefix="activity") as executor:
            worker = build_worker(client, settings, database, executor)
            async with worker:
                log.info(
                    "worker polling %s on %s (namespace %s)",
                    settings.temporal_task_queue,
                    settings.temporal_address,
                    settings.temporal_namespace,
                )
                # Beside the polling: a stop is not held up by many invoices to start.
                resuming = asyncio.create_task(start_unstarted(client, database, settings))
                await stop.wait()
                log.info("stopping: finishing the activities under way")
                resuming.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await resuming
    finally:
        await database.dispose()


def quiet_libraries() -> None:
    # WeasyPrint warns on every render where the system lacks HarfBuzz-Subset (the PDFs are right),
    # fontTools narrates each font subset, and aiosmtpd every SMTP command of the local outbox.
    for name, level in (
        ("weasyprint", logging.ERROR),
        ("fontTools", logging.WARNING),
        ("mail.log", logging.WARNING),
    ):
        logging.getLogger(name).setLevel(level)


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


async def _main() -> None:
    stop = asyncio.Event()
    stop_on_signals(stop)
    await run_worker(load_settings(), stop)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_libraries()
    asyncio.run(_main())
    log.info("worker stopped")


if __name__ == "__main__":
    main()
