"""The agents' commands to a running case: pause, resume, escalate, pay, promise, decide, dispute,
bailiff, insolvency and declaration-sent. Each is one update of the case's workflow
(``backoffice.commands``), answered or refused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from backoffice.bailiff import bailiff_report
from backoffice.cli.command_line import CommandGroup
from backoffice.cli.common import (
    CaseArgument,
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

app = CommandGroup()
# The option or argument each field of a request comes from: a refusal names it.
OPTIONS = {
    "reason": "--reason",
    "until": "--until",
    "amount": "MONTANT",
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
            console.print(f"{case_id} : {result.message}")

    run(go)


@app.command(help="Mettre un dossier en pause : aucun courrier ne part avant sa reprise (ou avant --until).")
def pause(
    case_id: CaseArgument,
    reason: Annotated[
        str, typer.Option(metavar="MOTIF", help="Pourquoi le dossier est en pause (gardé au journal).")
    ],
    until: Annotated[
        str | None,
        typer.Option(
            metavar="DATE", help="Reprendre de lui-même à cette date (31/03/2026) ou date et heure."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    with _bad_input_is_a_usage_error():
        fields = {"reason": reason, "until": moment_input("--until", until) if until else None}
        request = validated(PauseRequest, fields, OPTIONS)
    _command(case_id, InvoiceCollectionWorkflow.pause, request, as_json)


@app.command(help="Reprendre un dossier en pause ; une étape arrivée à échéance entre-temps part aussitôt.")
def resume(case_id: CaseArgument, as_json: JsonOption = False) -> None:
    _command(case_id, InvoiceCollectionWorkflow.resume, ResumeRequest(), as_json)


@app.command(
    help="Faire passer un dossier à une étape ultérieure dès maintenant ; refusé quand la loi ou le "
    "dossier ne le permet pas."
)
def escalate(
    case_id: CaseArgument,
    to: Annotated[
        Stage | None, typer.Option("--to", help="L'étape où aller (par défaut la suivante).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    request = EscalateRequest(to_stage=to)
    _command(case_id, InvoiceCollectionWorkflow.escalate, request, as_json)


@app.command(help="Enregistrer un paiement ; le dossier est clos quand le solde tombe à zéro.")
def pay(
    case_id: CaseArgument,
    amount: Annotated[
        str, typer.Argument(metavar="MONTANT", help="Le montant reçu, par exemple 150,00 ou 150.00.")
    ],
    on: Annotated[
        str | None, typer.Option("--date", metavar="DATE", help="Date de réception (par défaut aujourd'hui).")
    ] = None,
    reference: Annotated[str, typer.Option(help="La référence bancaire du paiement.")] = "",
    as_json: JsonOption = False,
) -> None:
    with _bad_input_is_a_usage_error():
        fields = {
            "amount": amount_input("MONTANT", amount),
            "paid_on": day_input("--date", on) if on else today(),
            "reference": reference,
        }
        request = validated(PaymentRequest, fields, OPTIONS)
    _command(case_id, InvoiceCollectionWorkflow.record_payment, request, as_json)


@app.command(
    help="Enregistrer la promesse de paiement du débiteur : la relance attend la date, puis reprend, "
    "une étape plus loin d'un coup si la promesse n'est pas tenue."
)
def promise(
    case_id: CaseArgument,
    amount: Annotated[
        str, typer.Argument(metavar="MONTANT", help="Le montant promis, par exemple 500,00 ou 500.00.")
    ],
    by: Annotated[
        str, typer.Option("--by", metavar="DATE", help="La date où le débiteur promet d'avoir payé.")
    ],
    as_json: JsonOption = False,
) -> None:
    with _bad_input_is_a_usage_error():
        fields = {"amount": amount_input("MONTANT", amount), "by": day_input("--by", by)}
        request = validated(PromiseRequest, fields, OPTIONS)
    _command(case_id, InvoiceCollectionWorkflow.promise_to_pay, request, as_json)


@app.command(
    help="Approuver (ou rejeter, --reject) une saisine judiciaire : un autre agent que celui qui l'a "
    "demandée."
)
def decide(
    case_id: CaseArgument,
    reject: Annotated[
        bool, typer.Option("--reject", help="Rejeter la saisine au lieu de l'approuver.")
    ] = False,
    reason: Annotated[str, typer.Option(metavar="MOTIF", help="Pourquoi (obligatoire pour rejeter).")] = "",
    as_json: JsonOption = False,
) -> None:
    with _bad_input_is_a_usage_error():
        fields = {"approve": not reject, "reason": reason}
        request = validated(FilingDecision, fields, OPTIONS)
    _command(case_id, InvoiceCollectionWorkflow.decide_filing, request, as_json)


@app.command(
    help="Ouvrir un litige : la relance s'arrête et aucune saisine ne part au tribunal ; le clore "
    "(--close) pour reprendre."
)
def dispute(
    case_id: CaseArgument,
    reason: Annotated[
        str,
        typer.Option(
            metavar="MOTIF",
            help="Ce que le débiteur conteste, ou comment le litige a été réglé (gardé au journal).",
        ),
    ],
    close: Annotated[
        bool, typer.Option("--close", help="Clore le litige ouvert au lieu d'en ouvrir un.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    with _bad_input_is_a_usage_error():
        fields = {"open": not close, "reason": reason}
        request = validated(DisputeRequest, fields, OPTIONS)
    _command(case_id, InvoiceCollectionWorkflow.dispute, request, as_json)


@app.command(
    help="Enregistrer un compte rendu du commissaire de justice sur le dossier : accepted (dossier "
    "accepté), recovered (sommes recouvrées : le solde baisse), failed (recouvrement impossible) ou "
    "closed (dossier clos : le dossier se clôt)."
)
def bailiff(
    case_id: CaseArgument,
    kind: Annotated[
        str,
        typer.Argument(
            metavar="NATURE",
            help="Ce que rapporte le commissaire de justice : accepted, recovered, failed ou closed.",
        ),
    ],
    amount: Annotated[
        str | None,
        typer.Option(metavar="MONTANT", help="La somme recouvrée (recovered seulement), par exemple 850,00."),
    ] = None,
    received_on: Annotated[
        str | None,
        typer.Option(
            "--date",
            metavar="DATE",
            help="Date de réception de la somme (recovered seulement ; par défaut aujourd'hui).",
        ),
    ] = None,
    costs: Annotated[
        str | None,
        typer.Option(metavar="MONTANT", help="Les frais des actes rapportés, par exemple 120,50."),
    ] = None,
    borne_by: Annotated[
        str | None,
        typer.Option(
            "--borne-by",
            metavar="QUI",
            help="Qui supporte les frais : debtor, le débiteur (exécution d'un titre, CPCE L111-8 ; "
            "A444-31) ou creditor, le créancier (recouvrement amiable, procédure simplifiée ; A444-32).",
        ),
    ] = None,
    note: Annotated[
        str, typer.Option(metavar="TEXTE", help="Ce que dit le compte rendu (gardé au journal).")
    ] = "",
    as_json: JsonOption = False,
) -> None:
    with _bad_input_is_a_usage_error():
        report = bailiff_report(kind, amount, received_on, costs, borne_by, note)
    _command(case_id, InvoiceCollectionWorkflow.report_from_bailiff, report, as_json)


@app.command(
    help="Enregistrer une procédure collective ouverte contre le débiteur : la relance s'arrête aussitôt "
    "(Code de commerce L622-21) et le dossier établit la déclaration de créance. La redonner pour la "
    "compléter (--published, --mandataire) : la déclaration est établie à nouveau."
)
def insolvency(
    case_id: CaseArgument,
    opened: Annotated[str, typer.Option("--opened", metavar="DATE", help="La date du jugement d'ouverture.")],
    kind: Annotated[InsolvencyKind, typer.Option("--kind", help="La procédure ouverte.")],
    court: Annotated[str, typer.Option("--court", metavar="TRIBUNAL", help="Le tribunal qui l'a ouverte.")],
    published: Annotated[
        str | None,
        typer.Option(
            "--published",
            metavar="DATE",
            help="La date de publication du jugement au BODACC : les deux mois pour déclarer la "
            "créance courent de cette date (Code de commerce R622-24).",
        ),
    ] = None,
    mandataire: Annotated[
        str,
        typer.Option(
            metavar="TEXTE",
            help="Le mandataire judiciaire (le liquidateur dans une liquidation) : nom, adresse.",
        ),
    ] = "",
    as_json: JsonOption = False,
) -> None:
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


@app.command(
    "declaration-sent",
    help="Enregistrer l'envoi de la déclaration de créance au mandataire judiciaire : son rappel cesse.",
)
def declaration_sent(
    case_id: CaseArgument,
    on: Annotated[
        str | None, typer.Option("--on", metavar="DATE", help="La date d'envoi (par défaut aujourd'hui).")
    ] = None,
    reference: Annotated[
        str,
        typer.Option(help="Le numéro du recommandé, ou la référence du dépôt en ligne."),
    ] = "",
    as_json: JsonOption = False,
) -> None:
    with _bad_input_is_a_usage_error():
        fields = {"sent_on": day_input("--on", on) if on else today(), "reference": reference}
        request = validated(ClaimDeclarationSent, fields, OPTIONS)
    _command(case_id, InvoiceCollectionWorkflow.declaration_sent, request, as_json)
