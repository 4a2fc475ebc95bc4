"""``relance letter tracking`` and ``relance letter event``: what the post reports on a postal
registered letter, recorded (``backoffice.letters``), then the case told to ask for news."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from backoffice import letters
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
    warn,
)
from backoffice.cli.session import signed_in_user
from backoffice.commands import CommandRefused
from backoffice.inputs import BadOption
from backoffice.permissions import Permission
from config.settings import Settings, load_settings
from models.wording import event_fr
from support.french import moment_fr

T = TypeVar("T")

app = CommandGroup(
    no_args_is_help=True,
    help="Les lettres recommandées postales : enregistrer le numéro de suivi de la Poste et ce "
    "qu'elle rapporte.",
)

StepArgument = Annotated[
    str,
    typer.Argument(
        metavar="ÉTAPE",
        help="L'étape de la lettre, telle que la politique la nomme (par exemple formal_notice).",
    ),
]
# Said once the case was told: it asks the post's news at once.
TOLD = " ; le dossier demande des nouvelles dès maintenant"


def _record_for_case(
    case_id: str,
    step: str,
    record: Callable[[Settings], Awaitable[T]],
    as_json: bool,
    summary: Callable[[T], Any],
) -> tuple[T, str | None]:
    """Write what the post reports to the letter's record, then tell the case. A case that cannot be
    told leaves the record written: a warning, not a failure."""

    async def go() -> tuple[T, str | None]:
        settings = load_settings()
        await signed_in_user(settings, Permission.STEER)
        try:
            recorded = await record(settings)
        except letters.LetterRefused as error:
            raise CommandFailed(str(error)) from error
        try:
            warning = await letters.tell_case_of_delivery(await connect_client(settings), case_id)
        except (CommandFailed, CommandRefused) as failure:
            raise CommandFailed(
                f"{case_id}/{step} : enregistré, mais le dossier n'a pas pu être prévenu ({failure}) ; il "
                "demandera des nouvelles à sa prochaine vérification, ou relancez cette commande pour le "
                "prévenir maintenant"
            ) from failure
        return recorded, warning

    recorded, warning = run(go)
    if warning:
        warn(f"enregistré, mais {warning}")
    if as_json:
        print_json(
            {
                "case_id": case_id,
                "step": step,
                **summary(recorded),
                "case_told": warning is None,
                "warning": warning,
            }
        )
    return recorded, warning


@app.command(
    "tracking",
    help="Enregistrer le numéro de suivi d'une lettre recommandée postale ; le dossier demande aussitôt "
    "des nouvelles.",
)
def letter_tracking(
    case_id: CaseArgument,
    step: StepArgument,
    number: Annotated[
        str, typer.Argument(metavar="NUMÉRO", help="Le numéro que la Poste a donné à la lettre déposée.")
    ],
    as_json: JsonOption = False,
) -> None:
    try:
        letters.check_letter(case_id, step)
    except BadOption as error:
        raise usage_error(error) from None
    recorded, warning = _record_for_case(
        case_id,
        step,
        lambda settings: letters.record_tracking(settings, case_id, step, number),
        as_json,
        lambda recorded: {"tracking_number": recorded},
    )
    if not as_json:
        told = "" if warning else TOLD
        console.print(f"{case_id}/{step} : numéro de suivi {recorded} enregistré{told}", highlight=False)


@app.command(
    "event",
    help="Enregistrer ce que la Poste rapporte sur une lettre recommandée postale, avec sa preuve ; le "
    "dossier demande aussitôt des nouvelles (une réception fait courir le délai de la mise en demeure).",
)
def letter_event(
    case_id: CaseArgument,
    step: StepArgument,
    kind: Annotated[
        str,
        typer.Argument(
            metavar="NATURE",
            help="Ce que rapporte la Poste : deposited (déposée), first_presentation (présentée), "
            "received (distribuée), refused (refusée) ou not_claimed (non réclamée).",
        ),
    ],
    at: Annotated[
        str,
        typer.Option(
            "--at",
            metavar="QUAND",
            help="Quand, selon la Poste : 2026-03-04T11:20 (heure de Paris sauf décalage donné), ou "
            "une date.",
        ),
    ],
    proof: Annotated[
        Path | None,
        typer.Option(
            metavar="PDF",
            help="La preuve de la Poste, en PDF : preuve de dépôt, avis de réception signé, lettre "
            "revenue non réclamée.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    try:
        letters.check_letter(case_id, step)
        event_kind, moment = letters.reported_event(kind, at, proof)
    except BadOption as error:
        raise usage_error(error) from None
    event, warning = _record_for_case(
        case_id,
        step,
        lambda settings: letters.record_event(settings, case_id, step, event_kind, moment, proof),
        as_json,
        lambda event: {"event": to_json(event)},
    )
    if not as_json:
        proved = f", preuve SHA-256 {event.proof.sha256}" if event.proof else ""
        told = "" if warning else TOLD
        console.print(
            f"{case_id}/{step} : {event_fr(f'delivery_{event.kind.value}')} le {moment_fr(event.at)}, "
            f"enregistré{proved}{told}",
            highlight=False,
        )
