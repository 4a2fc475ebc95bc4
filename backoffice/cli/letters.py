"""``relance letter tracking`` and ``relance letter event``: what the post reports on a postal
registered letter, recorded (``backoffice.letters``), then the case told to ask for news."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from backoffice import letters
from backoffice.cli.common import (
    CommandFailed,
    JsonOption,
    connect_client,
    console,
    errors,
    local,
    print_json,
    run,
    to_json,
    usage_error,
)
from backoffice.cli.session import signed_in_user
from backoffice.commands import CommandRefused
from backoffice.inputs import BadOption
from backoffice.permissions import Permission
from config.settings import Settings, load_settings

T = TypeVar("T")

app = typer.Typer(
    no_args_is_help=True,
    help="Postal registered letters: record the post's tracking number and what it reports.",
)

StepArgument = Annotated[
    str, typer.Argument(help="The letter's step, as the policy names it (e.g. formal_notice).")
]


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
                f"{case_id}/{step}: recorded, but the case could not be told ({failure}); it asks for "
                "news at its next check, or run this command again to tell it now"
            ) from failure
        return recorded, warning

    recorded, warning = run(go)
    if warning:
        errors.print(f"[yellow]warning:[/yellow] recorded, but {warning}", highlight=False)
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


@app.command("tracking")
def letter_tracking(
    case_id: str,
    step: StepArgument,
    number: Annotated[str, typer.Argument(help="The number the post gave the letter once posted.")],
    as_json: JsonOption = False,
) -> None:
    """Record the post's tracking number of a postal registered letter; the case asks for news now."""
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
        told = "" if warning else "; the case asks for news now"
        console.print(f"{case_id}/{step}: tracking number {recorded} recorded{told}", highlight=False)


@app.command("event")
def letter_event(
    case_id: str,
    step: StepArgument,
    kind: Annotated[
        str,
        typer.Argument(
            help="What the post reports: deposited, first_presentation, received, refused or not_claimed."
        ),
    ],
    at: Annotated[
        str,
        typer.Option(
            "--at",
            help="When, as the post reports it: 2026-03-04T11:20 (Paris time unless an offset is "
            "given), or a date.",
        ),
    ],
    proof: Annotated[
        Path | None,
        typer.Option(
            help="The post's proof, a PDF: deposit slip, signed acknowledgment of receipt, letter "
            "returned unclaimed.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record what the post reports on a postal registered letter, with its proof; the case asks for
    news now (a receipt starts the notice's deadline)."""
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
        proved = f", proof SHA-256 {event.proof.sha256}" if event.proof else ""
        told = "" if warning else "; the case asks for news now"
        console.print(
            f"{case_id}/{step}: {event.kind.value} at {local(event.at)} recorded{proved}{told}",
            highlight=False,
        )
