"""``relance label``: the good-practice label — verify a code, label an invoice, issue the charter
attestation, write the label as an image."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from activities.labelling.images import LabelImageFormat, label_image
from backoffice import labels
from backoffice.cli.common import (
    CommandFailed,
    JsonOption,
    console,
    local,
    open_database,
    print_json,
    run,
)
from backoffice.cli.session import signed_in
from backoffice.commands import LOCAL_ZONE
from backoffice.permissions import Permission
from config.case_id_key import CaseIdKeyError, case_id_key
from config.settings import load_settings
from models.enums import LabelColour
from storage.database import Database
from storage.tables import CaseEvent
from support.files import write_atomically

app = typer.Typer(
    no_args_is_help=True,
    help="The good-practice label: verify a code, label an invoice, attestation, images.",
)

CreditorOption = Annotated[str, typer.Option("--creditor", help="The creditor's SIREN, as imported.")]
OutputOption = Annotated[Path, typer.Option("--output", "-o", help="File to write.", dir_okay=False)]


@app.command("verify")
def label_verify(code: str, as_json: JsonOption = False) -> None:
    """Check a label's code: the case, step, date and document SHA-256 the journal keeps for it."""

    async def go() -> list[CaseEvent]:
        settings = load_settings()
        async with open_database(settings) as database:
            await signed_in(settings, database, Permission.READ)
            try:
                events = await labels.verify_label(database, code)
            except labels.LabelRefused as error:
                raise CommandFailed(str(error)) from error
        if not events:
            raise CommandFailed(f"unknown label code {code}: no document in the journal carries it")
        return events

    events = run(go)
    if as_json:
        fields = {"label_code", "case_id", "step_key", "kind", "occurred_at", "document_sha256", "detail"}
        print_json([e.model_dump(mode="json", include=fields) for e in events])
        return
    for e in events:
        console.print(f"[green]{e.label_code}: issued by Relance[/green]")
        for name, value in (
            ("case", e.case_id),
            ("step", e.step_key),
            ("kind", e.kind),
            ("date", local(e.occurred_at)),
            ("document sha256", e.document_sha256),
        ):
            console.print(f"  {name:<16}{value or '-'}")


def _issue_label(
    output: Path, as_json: bool, issue: Callable[[Database], Awaitable[labels.IssuedLabel]]
) -> None:
    """Issue a label, write its document, then journal it in the name of the signed-in user, who
    handles invoices (its code verifies from then on)."""

    async def go() -> labels.IssuedLabel:
        settings = load_settings()
        async with open_database(settings) as database:
            user = await signed_in(settings, database, Permission.IMPORT)
            try:
                issued = await issue(database)
            except labels.LabelRefused as error:
                raise CommandFailed(str(error)) from error
            write_atomically(output, issued.pdf)
            await labels.record_label(database, issued, user.username, datetime.now(UTC))
        return issued

    issued = run(go)
    if as_json:
        print_json(
            {
                "path": str(output),
                "sha256": issued.sha256,
                "label_code": issued.code,
                "case_id": issued.case_id,
            }
        )
    else:
        console.print(f"{output}: {issued.detail}, code {issued.code} (case {issued.case_id})")


@app.command("invoice")
def label_invoice(
    file: Annotated[Path, typer.Argument(help="The invoice PDF.", exists=True, dir_okay=False)],
    creditor: CreditorOption,
    output: OutputOption,
    invoice: Annotated[
        str | None, typer.Option(help="Invoice number (read from a Factur-X invoice when not given).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Put the green label on an invoice of a creditor who accepted the charter; attachments kept."""

    async def issue(database: Database) -> labels.IssuedLabel:
        try:
            key = case_id_key(load_settings())
        except CaseIdKeyError as error:
            raise CommandFailed(str(error)) from error
        return await labels.label_invoice_file(database, key, creditor, file, invoice)

    _issue_label(output, as_json, issue)


@app.command("attestation")
def label_attestation(
    creditor: CreditorOption,
    output: OutputOption,
    invoice: Annotated[str | None, typer.Option(help="Number of the invoice it is joined to.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Issue the charter attestation of a creditor who accepted it, for one invoice or for all."""
    templates_dir = load_settings().templates_dir
    today = datetime.now(LOCAL_ZONE).date()
    _issue_label(
        output,
        as_json,
        lambda database: labels.issue_attestation(database, templates_dir, creditor, today, invoice),
    )


@app.command("image")
def label_image_command(
    colour: Annotated[LabelColour, typer.Option("--colour", help="Which label.")],
    output: OutputOption,
    image_format: Annotated[LabelImageFormat, typer.Option("--format", help="Image format.")] = (
        LabelImageFormat.PNG
    ),
) -> None:
    """Write a label as an image (PNG or SVG), for stickers, invoices and web pages."""
    write_atomically(output, label_image(colour, image_format))
    console.print(f"{output}: {colour.value} label ({image_format.value})")
