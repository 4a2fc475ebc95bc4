"""The agents' commands to a running case: pause, resume, escalate, pay, promise, decide, dispute,
bailiff, insolvency and declaration-sent. Each is one update of the case's workflow
(``backoffice.commands``), answered or refused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from backoffice.bailiff import bailiff_report
from backoffice.cli.common import (
    CommandFailed,
    JsonOption,
    connect_client,
    console,
    print_json,
    run,
    to_json,
    usage_error,
)
from backoffice.cli.session import signed_in_user
from backoffice.commands import CommandRefused, send_command
from backoffice.inputs import BadOption, amount_input, day_input, moment_input, today, validated
from backoffice.permissions import Permission
from config.settings import load_settings
from models.commands import (
    ClaimDeclarationSent,
    Command,
    DisputeRequest,
    EscalateRequest,
    FilingDecision,
    InsolvencyDeclared,
    PauseRequest,
    PaymentRequest,
    PromiseRequest,
    ResumeRequest,
)
from models.enums import InsolvencyKind, Stage
from workflows import InvoiceCollectionWorkflow

app = typer.Typer()
# The option or argument each field of a request comes from: a refusal names it.
OPTIONS = {
    "reason": "--reason",
    "until": "--until",
    "amount": "AMOUNT",
    "paid_on": "--date",
    "by": "--by",
    "reference": "--reference",
    "opened_on": "--opened",
    "kind": "--kind",
    "court": "--court",
    "bodacc_published_on": "--published",
    "mandataire": "--mandataire",
    "sent_on": "--on",
}


@contextmanager
def _bad_input_is_a_usage_error() -> Iterator[None]:
    """Around the building of a request, checked against its bounds (``models.bounds``) before it
    is sent: bad input is one line naming the option to correct, exit code 2."""
    try:
        yield
    except BadOption as error:
        raise usage_error(error) from None


def _command(case_id: str, update: Any, request: Command, as_json: bool) -> None:
    """Send ``request`` in the name of the signed-in user (``relance login``), an agent."""

    async def go() -> None:
        settings = load_settings()
        user = await signed_in_user(settings, Permission.STEER)
        client = await connect_client(settings)
        try:
            result = await send_command(client, case_id, update, request, by=user)
        except CommandRefused as refusal:
            raise CommandFailed(str(refusal)) from refusal
        if as_json:
            print_json(to_json(result))
        else:
            console.print(f"{case_id}: {result.message}")

    run(go)


@app.command()
def pause(
    case_id: str,
    reason: Annotated[str, typer.Option(help="Why the case is paused (kept in the journal).")],
    until: Annotated[str | None, typer.Option(help="Resume by itself at this date or date-time.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Pause a case: no letter goes out until it is resumed (or until --until)."""
    with _bad_input_is_a_usage_error():
        fields = {"reason": reason, "until": moment_input("--until", until) if until else None}
        request = validated(PauseRequest, fields, OPTIONS)
    _command(case_id, InvoiceCollectionWorkflow.pause, request, as_json)


@app.command()
def resume(case_id: str, as_json: JsonOption = False) -> None:
    """Resume a paused case; a step that fell due meanwhile goes out now."""
    _command(case_id, InvoiceCollectionWorkflow.resume, ResumeRequest(), as_json)


@app.command()
def escalate(
    case_id: str,
    to: Annotated[
        Stage | None, typer.Option("--to", help="Stage to jump to (default: the next one).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Move a case to a later stage now; refused when the law or the case does not allow it."""
    request = EscalateRequest(to_stage=to)
    _command(case_id, InvoiceCollectionWorkflow.escalate, request, as_json)


@app.command()
def pay(
    case_id: str,
    amount: Annotated[str, typer.Argument(help="Amount received, e.g. 150.00 or 150,00.")],
    on: Annotated[str | None, typer.Option("--date", help="Date received (default today).")] = None,
    reference: Annotated[str, typer.Option(help="Bank reference of the payment.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Record a payment; the case closes when the balance reaches zero."""
    with _bad_input_is_a_usage_error():
        fields = {
            "amount": amount_input("AMOUNT", amount),
            "paid_on": day_input("--date", on) if on else today(),
            "reference": reference,
        }
        request = validated(PaymentRequest, fields, OPTIONS)
    _command(case_id, InvoiceCollectionWorkflow.record_payment, request, as_json)


@app.command()
def promise(
    case_id: str,
    amount: Annotated[str, typer.Argument(help="Amount promised, e.g. 500.00 or 500,00.")],
    by: Annotated[str, typer.Option("--by", help="Date by which the debtor promises to pay.")],
    as_json: JsonOption = False,
) -> None:
    """Record the debtor's promise to pay: the ladder waits until the date, then goes on, one stage
    further at once if the promise is broken."""
    with _bad_input_is_a_usage_error():
        fields = {"amount": amount_input("AMOUNT", amount), "by": day_input("--by", by)}
        request = validated(PromiseRequest, fields, OPTIONS)
    _command(case_id, InvoiceCollectionWorkflow.promise_to_pay, request, as_json)


@app.command()
def decide(
    case_id: str,
    reject: Annotated[
        bool, typer.Option("--reject", help="Reject the filing instead of approving it.")
    ] = False,
    reason: Annotated[str, typer.Option(help="Why (required to reject).")] = "",
    as_json: JsonOption = False,
) -> None:
    """Approve (or --reject) a judicial filing: another agent than the one who asked for it."""
    with _bad_input_is_a_usage_error():
        fields = {"approve": not reject, "reason": reason}
        request = validated(FilingDecision, fields, OPTIONS)
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
    as_json: JsonOption = False,
) -> None:
    """Open a dispute: the ladder holds and no filing goes to court; --close it to go on."""
    with _bad_input_is_a_usage_error():
        fields = {"open": not close, "reason": reason}
        request = validated(DisputeRequest, fields, OPTIONS)
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
    as_json: JsonOption = False,
) -> None:
    """Record a report of the commissaire de justice on the case's dossier: accepted, recovered
    (lowers the balance), failed or closed (the case closes)."""
    with _bad_input_is_a_usage_error():
        report = bailiff_report(kind, amount, received_on, costs, borne_by, note)
    _command(case_id, InvoiceCollectionWorkflow.report_from_bailiff, report, as_json)


@app.command()
def insolvency(
    case_id: str,
    opened: Annotated[str, typer.Option("--opened", help="Date of the opening judgment.")],
    kind: Annotated[InsolvencyKind, typer.Option("--kind", help="The proceedings opened.")],
    court: Annotated[str, typer.Option("--court", help="The court that opened them.")],
    published: Annotated[
        str | None,
        typer.Option(
            "--published",
            help="Date of the judgment's publication in the BODACC: the two months to declare the "
            "claim run from it (Code de commerce R622-24).",
        ),
    ] = None,
    mandataire: Annotated[
        str, typer.Option(help="The mandataire judiciaire (the liquidateur in a liquidation): name, address.")
    ] = "",
    as_json: JsonOption = False,
) -> None:
    """Record collective proceedings against the debtor: the ladder stops at once (Code de commerce
    L622-21) and the case draws the declaration of claim. Give it again to complete it (--published,
    --mandataire): the declaration is drawn again."""
    with _bad_input_is_a_usage_error():
        fields = {
            "opened_on": day_input("--opened", opened),
            "kind": kind,
            "court": court,
            "bodacc_published_on": day_input("--published", published) if published else None,
            "mandataire": mandataire,
        }
        request = validated(InsolvencyDeclared, fields, OPTIONS)
    _command(case_id, InvoiceCollectionWorkflow.declare_insolvency, request, as_json)


@app.command("declaration-sent")
def declaration_sent(
    case_id: str,
    on: Annotated[str | None, typer.Option("--on", help="Date it was sent (default today).")] = None,
    reference: Annotated[
        str, typer.Option(help="The registered letter's number, or the online filing's reference.")
    ] = "",
    as_json: JsonOption = False,
) -> None:
    """Record that the declaration of claim went to the mandataire judiciaire: its reminder ends."""
    with _bad_input_is_a_usage_error():
        fields = {"sent_on": day_input("--on", on) if on else today(), "reference": reference}
        request = validated(ClaimDeclarationSent, fields, OPTIONS)
    _command(case_id, InvoiceCollectionWorkflow.declaration_sent, request, as_json)
