"""The agents' commands to a running case: pause, resume, escalate, pay, promise, decide, dispute and
bailiff. Each is one update of the case's workflow (``backoffice.commands``), answered or refused."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from backoffice.bailiff import bailiff_report
from backoffice.cli.common import (
    AgentOption,
    CommandFailed,
    JsonOption,
    connect_client,
    console,
    default_agent,
    print_json,
    run,
    to_json,
    usage_error,
)
from backoffice.commands import LOCAL_ZONE, CommandRefused, moment_from_text, send_command
from backoffice.inputs import BadOption
from config.settings import load_settings
from models.commands import (
    DisputeRequest,
    EscalateRequest,
    FilingDecision,
    PauseRequest,
    PaymentRequest,
    PromiseRequest,
    ResumeRequest,
)
from models.enums import Stage
from support.parsing import parse_amount, parse_date
from workflows import InvoiceCollectionWorkflow

app = typer.Typer()


def _command(case_id: str, update: Any, request: BaseModel, as_json: bool) -> None:
    async def go() -> None:
        client = await connect_client(load_settings())
        try:
            result = await send_command(client, case_id, update, request)
        except CommandRefused as refusal:
            raise CommandFailed(str(refusal)) from refusal
        if as_json:
            print_json(to_json(result))
        else:
            console.print(f"{case_id}: {result.message}")

    run(go)


def parse_moment(text: str) -> datetime:
    """``moment_from_text`` for an option: bad input is a usage error."""
    try:
        return moment_from_text(text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error


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


@app.command()
def promise(
    case_id: str,
    amount: Annotated[str, typer.Argument(help="Amount promised, e.g. 500.00 or 500,00.")],
    by: Annotated[str, typer.Option("--by", help="Date by which the debtor promises to pay.")],
    agent: AgentOption = "",
    as_json: JsonOption = False,
) -> None:
    """Record the debtor's promise to pay: the ladder waits until the date, then goes on, one stage
    further at once if the promise is broken."""
    try:
        request = PromiseRequest(
            amount=parse_amount(amount), by=parse_date(by), agent=agent or default_agent()
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    _command(case_id, InvoiceCollectionWorkflow.promise_to_pay, request, as_json)


@app.command()
def decide(
    case_id: str,
    reject: Annotated[
        bool, typer.Option("--reject", help="Reject the filing instead of approving it.")
    ] = False,
    reason: Annotated[str, typer.Option(help="Why (required to reject).")] = "",
    agent: AgentOption = "",
    as_json: JsonOption = False,
) -> None:
    """Approve (or --reject) a judicial filing: another agent than the one who asked for it."""
    request = FilingDecision(approve=not reject, agent=agent or default_agent(), reason=reason)
    _command(case_id, InvoiceCollectionWorkflow.decide_filing, request, as_json)


@app.command()
def dispute(
    case_id: str,
    reason: Annotated[
        str, typer.Option(help="What the debtor disputes, or how it was settled (kept in the journal).")
    ],
    close: Annotated[
        bool, typer.Option("--close", help="Close the open dispute instead of opening one.")
    ] = False,
    agent: AgentOption = "",
    as_json: JsonOption = False,
) -> None:
    """Open a dispute: the ladder holds and no filing goes to court; --close it to go on."""
    request = DisputeRequest(open=not close, reason=reason, agent=agent or default_agent())
    _command(case_id, InvoiceCollectionWorkflow.dispute, request, as_json)


@app.command()
def bailiff(
    case_id: str,
    kind: Annotated[
        str,
        typer.Argument(
            help="What the commissaire de justice reports: accepted, recovered, failed or closed."
        ),
    ],
    amount: Annotated[
        str | None, typer.Option(help="Sum recovered (recovered only), e.g. 850.00 or 850,00.")
    ] = None,
    received_on: Annotated[
        str | None,
        typer.Option("--date", help="Date the sum was received (recovered only; default today)."),
    ] = None,
    costs: Annotated[str | None, typer.Option(help="Costs of the acts reported, e.g. 120,50.")] = None,
    borne_by: Annotated[
        str | None,
        typer.Option(
            "--borne-by",
            help="Who bears the costs: debtor (enforcement under a title, CPCE L111-8; A444-31) or "
            "creditor (amicable collection, small-claims procedure; A444-32).",
        ),
    ] = None,
    note: Annotated[str, typer.Option(help="What the report says (kept in the journal).")] = "",
    agent: AgentOption = "",
    as_json: JsonOption = False,
) -> None:
    """Record a report of the commissaire de justice on the case's dossier: accepted, recovered
    (lowers the balance), failed or closed (the case closes)."""
    try:
        report = bailiff_report(kind, amount, received_on, costs, borne_by, note, agent or default_agent())
    except BadOption as error:
        raise usage_error(error) from None
    _command(case_id, InvoiceCollectionWorkflow.report_from_bailiff, report, as_json)
