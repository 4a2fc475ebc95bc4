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
from backoffice.cli.command_line import CommandGroup
from backoffice.cli.common import (
    CommandFailed,
    JsonOption,
    console,
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
from models.wording import LABEL_COLOURS, event_fr, step_fr
from storage.database import Database
from storage.tables import CaseEvent
from support.files import write_atomically
from support.french import moment_fr

app = CommandGroup(
    no_args_is_help=True,
    help="Le label des bonnes pratiques : vérifier un code, labelliser une facture, l'attestation, "
    "les images.",
)

CreditorOption = Annotated[
    str, typer.Option("--creditor", metavar="SIREN", help="Le SIREN du créancier, tel qu'importé.")
]
OutputOption = Annotated[
    Path, typer.Option("--output", "-o", metavar="FICHIER", help="Le fichier à écrire.", dir_okay=False)
]


@app.command(
    "verify",
    help="Vérifier le code d'un label : le dossier, l'étape, la date et le SHA-256 du document que le "
    "journal garde pour lui.",
)
def label_verify(
    code: Annotated[str, typer.Argument(metavar="CODE", help="Le code du label, par exemple RL-7K3M-Q9TD.")],
    as_json: JsonOption = False,
) -> None:

    async def go() -> list[CaseEvent]:
        settings = load_settings()
        async with open_database(settings) as database:
            await signed_in(settings, database, Permission.READ)
            try:
                events = await labels.verify_label(database, code)
            except labels.LabelRefused as error:
                raise CommandFailed(str(error)) from error
        if not events:
            raise CommandFailed(f"code de label inconnu, {code} : aucun document du journal ne le porte")
        return events

    events = run(go)
    if as_json:
        fields = {"label_code", "case_id", "step_key", "kind", "occurred_at", "document_sha256", "detail"}
        print_json([e.model_dump(mode="json", include=fields) for e in events])
        return
    for e in events:
        console.print(f"[green]{e.label_code} : délivré par Relance[/green]")
        for name, value in (
            ("dossier", e.case_id),
            ("étape", step_fr(e.step_key) if e.step_key else None),
            ("événement", event_fr(e.kind)),
            ("date", moment_fr(e.occurred_at)),
            ("SHA-256", e.document_sha256),
        ):
            console.print(f"  {name:<12}{value or '-'}")


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
        console.print(f"{output} : {issued.detail}, code {issued.code} (dossier {issued.case_id})")


@app.command(
    "invoice",
    help="Apposer le label vert sur une facture d'un créancier qui a accepté la charte ; ses pièces "
    "jointes sont gardées.",
)
def label_invoice(
    file: Annotated[
        Path,
        typer.Argument(metavar="FACTURE", help="Le PDF de la facture.", exists=True, dir_okay=False),
    ],
    creditor: CreditorOption,
    output: OutputOption,
    invoice: Annotated[
        str | None,
        typer.Option(metavar="NUMÉRO", help="Le numéro de la facture (lu dans une facture Factur-X sinon)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:

    async def issue(database: Database) -> labels.IssuedLabel:
        try:
            key = case_id_key(load_settings())
        except CaseIdKeyError as error:
            raise CommandFailed(str(error)) from error
        return await labels.label_invoice_file(database, key, creditor, file, invoice)

    _issue_label(output, as_json, issue)


@app.command(
    "attestation",
    help="Délivrer l'attestation de la charte à un créancier qui l'a acceptée, pour une facture ou "
    "pour toutes.",
)
def label_attestation(
    creditor: CreditorOption,
    output: OutputOption,
    invoice: Annotated[
        str | None, typer.Option(metavar="NUMÉRO", help="Le numéro de la facture à laquelle la joindre.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    templates_dir = load_settings().templates_dir
    today = datetime.now(LOCAL_ZONE).date()
    _issue_label(
        output,
        as_json,
        lambda database: labels.issue_attestation(database, templates_dir, creditor, today, invoice),
    )


@app.command(
    "image",
    help="Écrire un label en image (PNG ou SVG), pour les autocollants, les factures et les pages web.",
)
def label_image_command(
    colour: Annotated[
        LabelColour, typer.Option("--colour", help="Quel label : green (vert), orange ou red (rouge).")
    ],
    output: OutputOption,
    image_format: Annotated[LabelImageFormat, typer.Option("--format", help="Le format de l'image.")] = (
        LabelImageFormat.PNG
    ),
) -> None:
    write_atomically(output, label_image(colour, image_format))
    console.print(f"{output} : label {LABEL_COLOURS[colour]} ({image_format.value.upper()})")
