"""``relance account``: the debtor's account (every invoice of one creditor and one debtor), the
accounts with an open balance, a payment on an account, split by Code civil 1342-10, shown,
then confirmed, and a pause, a resume or a promise given on the account for all its cases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import click
import typer

from activities.account_statements import statement_pdf
from backoffice.account_statements import draw_statement, statement_file_name
from backoffice.cli.case_commands import OPTIONS
from backoffice.cli.command_line import CommandGroup, FrenchGroup
from backoffice.cli.common import (
    CommandFailed,
    JsonOption,
    connect_client,
    console,
    open_database,
    print_json,
    run,
    to_json,
    usage_error,
)
from backoffice.cli.session import signed_in
from backoffice.commands import CommandRefused
from backoffice.debtor_accounts import (
    AccountNotFound,
    AccountRef,
    AccountView,
    account_view,
    command_account,
    communication_fr,
    filed_documents,
    filing_fr,
    find_account,
    new_command_id,
    open_accounts,
    pay_account,
    preview_payment,
    waiting_fr,
)
from backoffice.inputs import BadOption, amount_input, day_input, moment_input, today, validated
from backoffice.permissions import Permission
from config.case_id_key import case_id_key
from config.settings import Settings, load_settings
from law.imputation import PRINCIPAL_ONLY
from models.account_commands import (
    AccountCommand,
    AccountPauseRequest,
    AccountPromiseRequest,
    AccountResumeRequest,
    Outcome,
)
from models.debtor_accounts import AccountPayment, ImputedPart
from models.wording import stage_fr, state_fr
from support.files import sha256_of, write_atomically
from support.french import date_fr, money_fr
from workflows import DebtorAccountWorkflow


class _AccountGroup(FrenchGroup):
    """``relance account ID`` shows the account: a first word that is no subcommand is the id."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["show", *args]
        return super().parse_args(ctx, args)


AccountArgument = Annotated[str, typer.Argument(help="Id du compte, ou d'un de ses dossiers.")]

app = CommandGroup(
    cls=_AccountGroup,
    no_args_is_help=True,
    help="Le compte du débiteur : toutes les factures d'un créancier et d'un débiteur.",
)


async def _account(settings: Settings, account_or_case_id: str, permission: Permission) -> Any:
    async with open_database(settings) as database:
        user = await signed_in(settings, database, permission)
        try:
            account = await find_account(database, case_id_key(settings), account_or_case_id)
        except AccountNotFound as error:
            raise CommandFailed(str(error)) from None
    return user, account


@app.command("show")
def show(
    account_or_case_id: AccountArgument,
    as_json: JsonOption = False,
) -> None:
    """Le compte : ses factures (solde, étape, état), ses paiements et leur répartition, ses envois
    groupés, ses dossiers judiciaires et leurs documents."""

    async def go() -> None:
        settings = load_settings()
        _, account = await _account(settings, account_or_case_id, Permission.READ)
        client = await connect_client(settings)
        try:
            view = await account_view(client, account)
        except CommandRefused as error:
            raise CommandFailed(str(error)) from None
        if as_json:
            print_json(_view_json(view))
        else:
            _print_view(view)

    run(go)


@app.command("list")
def list_accounts(as_json: JsonOption = False) -> None:
    """Les comptes dont un solde reste dû, le plus grand d'abord."""

    async def go() -> None:
        settings = load_settings()
        async with open_database(settings) as database:
            await signed_in(settings, database, Permission.READ)
            accounts = await open_accounts(database, case_id_key(settings))
        if as_json:
            print_json([_ref_json(account) for account in accounts])
            return
        for a in accounts:
            console.print(
                f"{a.account_id}  {a.creditor_name} → {a.debtor_name}  "
                f"{len(a.cases)} facture(s)  solde {money_fr(a.open_balance)}"
            )

    run(go)


@app.command("pay")
def pay(
    account_or_case_id: AccountArgument,
    amount: Annotated[str, typer.Option("--amount", help="Montant reçu, p. ex. 1500,00.")],
    on: Annotated[
        str | None, typer.Option("--on", help="Date de réception (par défaut aujourd'hui).")
    ] = None,
    reference: Annotated[str, typer.Option(help="Référence bancaire du paiement.")] = "",
    invoice: Annotated[
        list[str] | None,
        typer.Option("--invoice", help="Facture désignée par le débiteur (répétable, dans son ordre)."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Confirmer sans demander.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Enregistrer un paiement sur le compte : la répartition (Code civil 1342-10) est affichée,
    puis confirmée ; chaque dossier reçoit sa part une seule fois."""
    try:
        received = amount_input("--amount", amount)
        paid_on = day_input("--on", on) if on else today()
    except BadOption as error:
        raise usage_error(error) from None

    async def go() -> None:
        settings = load_settings()
        user, account = await _account(settings, account_or_case_id, Permission.STEER)
        client = await connect_client(settings)
        try:
            request = await preview_payment(
                client, account, amount=received, paid_on=paid_on, reference=reference, named=invoice or []
            )
        except CommandRefused as error:
            raise CommandFailed(str(error)) from None
        if not as_json:
            console.print(f"Répartition de {money_fr(received)} reçus le {date_fr(paid_on)} :")
            _print_split(request.split)
        if not yes and not typer.confirm("Enregistrer ce paiement\u00a0?", default=False):
            raise CommandFailed("paiement non enregistré")
        try:
            result = await pay_account(
                client, settings.temporal_task_queue, account.account_id, request, user
            )
        except CommandRefused as error:
            raise CommandFailed(str(error)) from None
        if as_json:
            print_json({"message": result.message, "payment": _payment_json(result.payment)})
        else:
            console.print(f"{account.account_id}: {result.message}")

    run(go)


@app.command("statement")
def statement(
    account_or_case_id: AccountArgument,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FICHIER",
            help="Le PDF à écrire (par défaut ./releve-de-compte-COMPTE-DATE.pdf).",
            dir_okay=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Le relevé de compte arrêté à aujourd'hui, en PDF : chaque facture, réglée ou non, les
    paiements et leur imputation, les pénalités courues et les totaux."""

    async def go() -> tuple[Path, str]:
        settings = load_settings()
        _, account = await _account(settings, account_or_case_id, Permission.READ)
        client = await connect_client(settings)
        async with open_database(settings) as database:
            try:
                drawn = await draw_statement(client, database, settings, account, today())
            except CommandRefused as error:
                raise CommandFailed(str(error)) from None
        pdf = await statement_pdf(settings, drawn)
        target = out or Path(statement_file_name(drawn))
        write_atomically(target, pdf)
        return target, sha256_of(pdf)

    target, sha256 = run(go)
    if as_json:
        print_json({"path": str(target), "sha256": sha256})
    else:
        console.print(f"{target} (SHA-256 {sha256})")


def _print_split(split: list[ImputedPart]) -> None:
    for part in split:
        console.print(f"  facture {part.invoice_number} : {money_fr(part.amount)} — {part.rule_fr}")
    console.print(f"  ({PRINCIPAL_ONLY})")


def _print_view(view: AccountView) -> None:
    ref = view.ref
    console.print(f"{ref.account_id}  {ref.creditor_name} → {ref.debtor_name}")
    for i in view.invoices:
        console.print(
            f"  facture {i.invoice_number}  échéance {date_fr(i.due_date)}  solde {money_fr(i.balance)}  "
            f"{stage_fr(i.stage) if i.stage else '—'}  {state_fr(i.state)}  {i.case_id}"
        )
    for p in view.payments:
        console.print(
            f"paiement de {money_fr(p.amount)} le {date_fr(p.paid_on)} ({p.reference or 'sans référence'}, "
            f"par {p.recorded_by}) :"
        )
        _print_split(p.split)
    _print_communications(view)


def _print_communications(view: AccountView) -> None:
    """What the account sent and filed for several invoices, each with its files, and what waits
    for its slot."""
    for sending in view.communications:
        console.print(f"envoi groupé du {communication_fr(sending)}")
        for document in [sending.document, *sending.enclosures]:
            console.print(f"  {document.path} (SHA-256 {document.sha256})")
    for filing in view.filings:
        console.print(f"dossier judiciaire : {filing_fr(filing)}")
        for document in filed_documents(filing):
            console.print(f"  {document.path} (SHA-256 {document.sha256})")
    for line in waiting_fr(view):
        console.print(f"en attente : {line}")


def _ref_json(ref: AccountRef) -> dict[str, Any]:
    return {
        "account_id": ref.account_id,
        "creditor": ref.creditor_name,
        "debtor": ref.debtor_name,
        "case_ids": [case.case_id for case in ref.cases],
        "open_balance": str(ref.open_balance),
    }


def _payment_json(payment: AccountPayment) -> dict[str, Any]:
    split = [{**part.model_dump(mode="json"), "rule_fr": part.rule_fr} for part in payment.split]
    return {**payment.model_dump(mode="json"), "split": split}


def _view_json(view: AccountView) -> dict[str, Any]:
    return {
        **_ref_json(view.ref),
        "invoices": [invoice.model_dump(mode="json") for invoice in view.invoices],
        "payments": [_payment_json(payment) for payment in view.payments],
        "communications": [sending.model_dump(mode="json") for sending in view.communications],
        "filings": [filing.model_dump(mode="json") for filing in view.filings],
        "waiting": [
            {"case_id": case_id, "step_key": step_key, "slot": slot.isoformat()}
            for case_id, step_key, slot in view.waiting
        ],
    }


# --- commands given on the account for all its open cases ------------------------------------------


def _request(model: type[AccountCommand], fields: Callable[[], dict[str, Any]]) -> Any:
    """The command of the options ``fields`` reads, checked against its bounds (``models.bounds``)
    before it is sent: bad input is a usage error naming the option. Each run is a new command."""
    try:
        return validated(model, {**fields(), "command_id": new_command_id()}, OPTIONS)
    except BadOption as error:
        raise usage_error(error) from None


def _command_cases(account_or_case_id: str, update: Any, request: AccountCommand, as_json: bool) -> None:
    """Give the command to each open case of the account as the signed-in agent; a failure when no
    invoice takes it."""

    async def go() -> None:
        settings = load_settings()
        user, account = await _account(settings, account_or_case_id, Permission.STEER)
        client = await connect_client(settings)
        try:
            result = await command_account(
                client, settings.temporal_task_queue, account, update, request, user
            )
        except CommandRefused as error:
            raise CommandFailed(str(error)) from None
        if all(part.outcome is Outcome.REFUSED for part in result.parts):
            raise CommandFailed(f"{account.account_id} : {result.message}")
        if as_json:
            print_json(to_json(result))
        else:
            console.print(f"{account.account_id} : {result.message}")

    run(go)


@app.command("pause")
def pause_cases(
    account_or_case_id: AccountArgument,
    reason: Annotated[
        str, typer.Option(metavar="MOTIF", help="Pourquoi (gardé au journal de chaque dossier).")
    ],
    until: Annotated[
        str | None,
        typer.Option(
            metavar="DATE", help="Reprendre d'eux-mêmes à cette date (31/03/2026) ou date et heure."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Mettre en pause toutes les factures ouvertes du compte : chaque dossier la reçoit une fois,
    ou dit pourquoi il la refuse."""
    request = _request(
        AccountPauseRequest,
        lambda: {"reason": reason, "until": moment_input("--until", until) if until else None},
    )
    _command_cases(account_or_case_id, DebtorAccountWorkflow.pause_cases, request, as_json)


@app.command("resume")
def resume_cases(account_or_case_id: AccountArgument, as_json: JsonOption = False) -> None:
    """Reprendre toutes les factures en pause du compte ; une étape arrivée à échéance entre-temps
    part aussitôt."""
    request = _request(AccountResumeRequest, dict)
    _command_cases(account_or_case_id, DebtorAccountWorkflow.resume_cases, request, as_json)


@app.command("promise")
def promise_cases(
    account_or_case_id: AccountArgument,
    by: Annotated[
        str, typer.Option("--by", metavar="DATE", help="La date où le débiteur promet d'avoir payé.")
    ],
    amount: Annotated[
        str | None,
        typer.Argument(
            metavar="MONTANT", help="Le montant promis, par exemple 500,00 (par défaut le solde du compte)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Enregistrer la promesse de paiement du débiteur sur le compte : le montant promis se répartit
    sur les factures ouvertes comme le paiement le sera (Code civil 1342-10) ; chaque dossier attend
    sa part jusqu'à la date, puis juge sa propre promesse."""
    request = _request(
        AccountPromiseRequest,
        lambda: {"by": day_input("--by", by), "amount": amount_input("MONTANT", amount) if amount else None},
    )
    _command_cases(account_or_case_id, DebtorAccountWorkflow.promise_for_cases, request, as_json)
