"""``relance``: the back office's command line.

Start the embedded system, import invoices, steer cases and audit them. Read commands take
``--json`` for scripts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import datetime, time
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from backoffice import audit
from backoffice.cases import ImportReport, case_handle, import_invoices, list_cases
from backoffice.invoice_file import InvoiceFileError, parse_amount, parse_date, read_invoice_file
from config.policy import PolicyError, load_policy
from config.settings import PROJECT_ROOT, Settings, load_settings
from models.case import (
    CaseStatus,
    CommandResult,
    EscalateRequest,
    PauseRequest,
    PaymentRequest,
    ResumeRequest,
)
from models.database import Database
from models.enums import Stage
from workflows import InvoiceCollectionWorkflow

DEMO_FILE = PROJECT_ROOT / "config" / "samples" / "demo_invoices.csv"
LOCAL_ZONE = ZoneInfo("Europe/Paris")

app = typer.Typer(no_args_is_help=True, help=__doc__, pretty_exceptions_enable=False)
audit_app = typer.Typer(no_args_is_help=True, help="Prove what was done on cases, from their histories.")
app.add_typer(audit_app, name="audit")
console = Console()
errors = Console(stderr=True)

T = TypeVar("T")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
AgentOption = Annotated[
    str,
    typer.Option("--agent", envvar="RELANCE_AGENT", help="Who gives the command (kept in the journal)."),
]


class CommandFailed(Exception):
    """A failure the user can act on: printed as one line, exit code 1."""


def run(coroutine_factory: Callable[[], Awaitable[T]]) -> T:
    try:
        return asyncio.run(coroutine_factory())  # type: ignore[arg-type]
    except CommandFailed as failure:
        errors.print(f"[red]error:[/red] {failure}")
        raise typer.Exit(1) from None


def default_agent() -> str:
    return os.environ.get("USER", "agent")


async def connect_client(settings: Settings) -> Client:
    from worker import connect

    try:
        return await connect(settings)
    except RuntimeError as error:
        raise CommandFailed(
            f"cannot reach Temporal at {settings.temporal_address} ({error}); is `relance up` running?"
        ) from error


def print_json(value: Any) -> None:
    console.print_json(json.dumps(value, default=str, ensure_ascii=False))


def to_json(model: BaseModel) -> Any:
    return model.model_dump(mode="json")


# --- up ------------------------------------------------------------------------------------------


@app.command()
def up(
    demo: Annotated[
        bool, typer.Option(help="Also import the bundled demo invoices with the demo policy.")
    ] = False,
) -> None:
    """Start everything on embedded defaults: Temporal dev server, SMTP outbox and the worker."""
    run(lambda: _up(demo))


async def _up(demo: bool) -> None:
    from embedded.devserver import DevServer, DevServerError
    from embedded.smtp_outbox import OutboxSMTPServer
    from worker import quiet_libraries, run_worker, stop_on_signals

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_libraries()
    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    server = DevServer(
        address=settings.temporal_address,
        namespace=settings.temporal_namespace,
        db_file=settings.temporal_db_file,
        ui_port=settings.temporal_ui_port,
        log_file=settings.data_dir / "temporal.log",
    )
    console.print(f"starting the Temporal dev server ({settings.temporal_db_file})")
    try:
        await server.start()
    except DevServerError as error:
        raise CommandFailed(str(error)) from error
    try:
        with OutboxSMTPServer(settings.outbox_dir, host=settings.smtp_host, port=settings.smtp_port):
            stop = asyncio.Event()
            stop_on_signals(stop)
            worker = asyncio.create_task(run_worker(settings, stop))
            if demo:
                await _import(settings, DEMO_FILE, "demo", agent="demo")
            _print_banner(settings, server.ui_url)
            await worker
    finally:
        console.print("stopping the Temporal dev server")
        server.stop()
    console.print("stopped; `relance up` again finds every case where it was")


def _print_banner(settings: Settings, ui_url: str) -> None:
    console.print(
        "\n[bold green]Relance is running.[/bold green] Ctrl-C stops everything.\n"
        f"  Temporal UI      {ui_url}\n"
        f"  Temporal server  {settings.temporal_address} (namespace {settings.temporal_namespace})\n"
        f"  Outbox (mails)   {settings.outbox_dir}  (one .eml file per mail)\n"
        f"  Documents (PDF)  {settings.documents_dir}\n"
        f"  Registered mail  {settings.registered_mail_dir}\n"
        f"  Bailiff dossiers {settings.dossiers_dir}\n"
        f"  Database         {settings.effective_database_url}\n"
        "In another terminal: relance list | relance status ID | relance pause ID --reason R | "
        "relance pay ID AMOUNT | relance audit replay --all\n"
    )


# --- import --------------------------------------------------------------------------------------


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV file of invoices, one per row.", exists=False)],
    policy: Annotated[str, typer.Option(help="Escalation policy (config/policies/NAME.toml).")] = "",
    agent: AgentOption = "",
    as_json: JsonOption = False,
) -> None:
    """Validate every row, then store the invoices and start one case per unpaid invoice."""
    settings = load_settings()
    report = run(
        lambda: _import(settings, file, policy or settings.policy, agent or default_agent(), as_json)
    )
    if as_json:
        print_json(asdict(report))


async def _import(
    settings: Settings, file: Path, policy_name: str, agent: str, quiet: bool = False
) -> ImportReport:
    try:
        policy = load_policy(policy_name)
    except PolicyError as error:
        raise CommandFailed(str(error)) from error
    try:
        invoice_file = read_invoice_file(file)
    except InvoiceFileError as error:
        for problem in error.errors:
            errors.print(f"{file}: {problem}")
        raise CommandFailed(str(error)) from error
    database = Database(settings.effective_database_url)
    try:
        await database.migrate()
        client = await connect_client(settings)
        columns = (TextColumn("starting cases"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=errors, disable=quiet) as progress:
            task = progress.add_task(
                "start", total=sum(1 for r in invoice_file.rows if r.invoice.balance > 0)
            )
            report = await import_invoices(
                client,
                database,
                settings.temporal_task_queue,
                invoice_file.rows,
                policy,
                started_by=agent,
                on_progress=lambda: progress.advance(task),
            )
    finally:
        await database.dispose()
    if not quiet:
        console.print(
            f"{file}: {report.rows} invoice(s); {report.invoices_stored} stored, "
            f"{report.invoices_known} already known, {report.already_paid} already paid; "
            f"{report.cases_started} case(s) started, {report.cases_existing} already existed "
            f"(policy {policy.name})"
        )
    return report


# --- read commands -------------------------------------------------------------------------------


@app.command("list")
def list_command(
    all_cases: Annotated[bool, typer.Option("--all", help="Include closed cases.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many cases.")] = 100,
    as_json: JsonOption = False,
) -> None:
    """List cases with their stage, balance and next action."""

    async def go() -> None:
        settings = load_settings()
        client = await connect_client(settings)
        cases = await list_cases(client, limit=limit, running_only=not all_cases)
        if as_json:
            print_json(
                [
                    {
                        "case_id": c.case_id,
                        "execution_status": c.execution_status,
                        "started_at": c.started_at,
                        "memo": c.memo,
                        "status": to_json(c.status) if c.status else None,
                    }
                    for c in cases
                ]
            )
            return
        table = Table("case", "invoice", "debtor", "state", "stage", "balance", "next action")
        for c in cases:
            s = c.status
            table.add_row(
                c.case_id,
                c.memo.get("invoice", ""),
                c.memo.get("debtor", ""),
                s.state.value if s else c.execution_status.lower(),
                s.stage.value if s and s.stage else "",
                f"{s.balance} {s.currency}" if s else "",
                _next_action(s) if s else "",
            )
        console.print(table)

    run(go)


def _next_action(status: CaseStatus) -> str:
    if status.paused:
        until = f" until {_local(status.pause_until)}" if status.pause_until else ""
        return f"paused{until}"
    if status.next_action is None:
        return ""
    when = f" at {_local(status.next_action_at)}" if status.next_action_at else ""
    return f"{status.next_action}{when}"


def _local(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


@app.command()
def status(case_id: str, as_json: JsonOption = False) -> None:
    """Show one case: stage, balance, pause, next action and every action so far."""

    async def go() -> None:
        client = await connect_client(load_settings())
        try:
            result = await case_handle(client, case_id).query(InvoiceCollectionWorkflow.status)
        except RPCError as error:
            raise _rpc_failure(case_id, error) from error
        if as_json:
            print_json(to_json(result))
        else:
            _print_status(result)

    run(go)


def _print_status(s: CaseStatus) -> None:
    console.print(
        f"[bold]{s.case_id}[/bold]  invoice {s.invoice_number}  {s.creditor_name} → {s.debtor_name}"
    )
    console.print(
        f"state {s.state.value}  stage {s.stage.value if s.stage else '-'}  balance {s.balance} {s.currency}"
    )
    if s.paused:
        console.print(
            f"paused: {s.pause_reason}" + (f" until {_local(s.pause_until)}" if s.pause_until else "")
        )
    if s.next_action:
        console.print(f"next: {_next_action(s)}")
    table = Table("when", "what", "by", "detail", "document sha256")
    for action in s.actions:
        table.add_row(
            _local(action.at), action.kind, action.actor, action.detail, (action.document_sha256 or "")[:16]
        )
    console.print(table)


async def _closed_or_rpc_failure(client: Client, case_id: str, error: RPCError) -> CommandFailed:
    """A command sent to a case that has ended is refused by the server itself: say so plainly."""
    try:
        description = await client.get_workflow_handle(case_id).describe()
    except RPCError:
        return _rpc_failure(case_id, error)
    if description.status is not None and description.status != WorkflowExecutionStatus.RUNNING:
        try:
            state = (await case_handle(client, case_id).query(InvoiceCollectionWorkflow.status)).state.value
        except RPCError:
            state = description.status.name.lower()
        return CommandFailed(f"{case_id}: refused: case is closed ({state})")
    return _rpc_failure(case_id, error)


def _rpc_failure(case_id: str, error: RPCError) -> CommandFailed:
    if error.status == RPCStatusCode.NOT_FOUND:
        return CommandFailed(f"no case {case_id!r}")
    return CommandFailed(f"{case_id}: {error.message}")


# --- agent commands ------------------------------------------------------------------------------


def _command(case_id: str, update: Any, request: BaseModel, as_json: bool) -> None:
    async def go() -> None:
        client = await connect_client(load_settings())
        try:
            result: CommandResult = await case_handle(client, case_id).execute_update(update, request)
        except WorkflowUpdateFailedError as failure:
            raise CommandFailed(f"{case_id}: refused: {failure.cause.message}") from failure
        except RPCError as error:
            raise await _closed_or_rpc_failure(client, case_id, error) from error
        if as_json:
            print_json(to_json(result))
        else:
            console.print(f"{case_id}: {result.message}")

    run(go)


def parse_moment(text: str) -> datetime:
    """A date (start of that day, Paris time) or an ISO date-time (Paris time unless it says)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            return datetime.combine(parse_date(text), time(0), tzinfo=LOCAL_ZONE)
        except ValueError as error:
            raise typer.BadParameter(str(error)) from error
    if len(text.strip()) <= 10:
        return datetime.combine(moment.date(), time(0), tzinfo=LOCAL_ZONE)
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_ZONE)


@app.command()
def pause(
    case_id: str,
    reason: Annotated[str, typer.Option(help="Why the case is paused (kept in the journal).")],
    until: Annotated[str | None, typer.Option(help="Resume by itself at this date or date-time.")] = None,
    agent: AgentOption = "",
    as_json: JsonOption = False,
) -> None:
    """Pause a case: no letter goes out until it is resumed (or until --until)."""
    request = PauseRequest(
        reason=reason, until=parse_moment(until) if until else None, agent=agent or default_agent()
    )
    _command(case_id, InvoiceCollectionWorkflow.pause, request, as_json)


@app.command()
def resume(case_id: str, agent: AgentOption = "", as_json: JsonOption = False) -> None:
    """Resume a paused case; a step that fell due meanwhile goes out now."""
    _command(
        case_id, InvoiceCollectionWorkflow.resume, ResumeRequest(agent=agent or default_agent()), as_json
    )


@app.command()
def escalate(
    case_id: str,
    to: Annotated[
        Stage | None, typer.Option("--to", help="Stage to jump to (default: the next one).")
    ] = None,
    agent: AgentOption = "",
    as_json: JsonOption = False,
) -> None:
    """Move a case to a later stage now; refused when the law or the case does not allow it."""
    request = EscalateRequest(to_stage=to, agent=agent or default_agent())
    _command(case_id, InvoiceCollectionWorkflow.escalate, request, as_json)


@app.command()
def pay(
    case_id: str,
    amount: Annotated[str, typer.Argument(help="Amount received, e.g. 150.00 or 150,00.")],
    on: Annotated[str | None, typer.Option("--date", help="Date received (default today).")] = None,
    reference: Annotated[str, typer.Option(help="Bank reference of the payment.")] = "",
    agent: AgentOption = "",
    as_json: JsonOption = False,
) -> None:
    """Record a payment; the case closes when the balance reaches zero."""
    try:
        value = parse_amount(amount)
        paid_on = parse_date(on) if on else datetime.now(LOCAL_ZONE).date()
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    request = PaymentRequest(
        amount=value, paid_on=paid_on, agent=agent or default_agent(), reference=reference
    )
    _command(case_id, InvoiceCollectionWorkflow.record_payment, request, as_json)


# --- audit ---------------------------------------------------------------------------------------


@audit_app.command("history")
def audit_history(case_id: str, as_json: JsonOption = False) -> None:
    """The case's actions in order, read from its Temporal history."""

    async def go() -> None:
        client = await connect_client(load_settings())
        try:
            history = await audit.case_history(client, case_id)
        except RPCError as error:
            raise _rpc_failure(case_id, error) from error
        entries = audit.actions_from_history(history)
        if as_json:
            print_json([asdict(entry) for entry in entries])
            return
        table = Table("when", "what", "by", "detail", "document sha256", "recorded")
        for e in entries:
            table.add_row(
                _local(e.at),
                e.kind,
                e.actor,
                e.detail,
                e.document_sha256 or "",
                "yes" if e.confirmed else "pending",
            )
        console.print(table)

    run(go)


@audit_app.command("replay")
def audit_replay(
    case_id: Annotated[str | None, typer.Argument(help="One case; or use --all.")] = None,
    all_cases: Annotated[bool, typer.Option("--all", help="Replay every case's history.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Replay histories against today's workflow code and say whether each is deterministic."""
    if (case_id is None) == (not all_cases):
        raise typer.BadParameter("give one case id or --all")

    async def go() -> list[audit.ReplayOutcome]:
        client = await connect_client(load_settings())
        if case_id is not None:
            try:
                return [await audit.replay_history(await audit.case_history(client, case_id))]
            except RPCError as error:
                raise _rpc_failure(case_id, error) from error
        return [outcome async for outcome in audit.replay_all(client)]

    outcomes = run(go)
    if as_json:
        print_json([asdict(o) for o in outcomes])
    else:
        for o in outcomes:
            verdict = (
                "[green]deterministic[/green]"
                if o.deterministic
                else f"[red]NOT deterministic[/red]: {o.failure}"
            )
            console.print(f"{o.case_id} ({o.run_id}): {verdict}")
        bad = sum(not o.deterministic for o in outcomes)
        console.print(f"{len(outcomes)} case(s) replayed, {bad} not deterministic")
    if any(not o.deterministic for o in outcomes):
        raise typer.Exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
