"""``relance audit history``, ``relance audit replay`` and ``relance dossier``: prove what was done on
cases, from their Temporal histories."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from temporalio.service import RPCError

from backoffice import audit, litigation
from backoffice.cli.command_line import CommandGroup
from backoffice.cli.common import (
    CaseArgument,
    CommandFailed,
    JsonOption,
    connect_client,
    console,
    local,
    open_database,
    print_json,
    rpc_failed,
    run,
    usage_error,
    warn,
)
from backoffice.cli.session import signed_in, signed_in_user
from backoffice.inputs import BadOption
from backoffice.permissions import Permission
from config.settings import load_settings
from models.wording import event_fr
from support.french import count_fr

# The top-level ``dossier`` command, and the ``audit`` group.
app = CommandGroup()
audit_app = CommandGroup(
    no_args_is_help=True, help="Prouver ce qui a été fait sur les dossiers, d'après leurs historiques."
)


@audit_app.command("history", help="Les actions du dossier dans l'ordre, lues dans son historique Temporal.")
def audit_history(case_id: CaseArgument, as_json: JsonOption = False) -> None:

    async def go() -> None:
        settings = load_settings()
        await signed_in_user(settings, Permission.AUDIT)
        client = await connect_client(settings)
        try:
            history = await audit.case_history(client, case_id)
        except RPCError as error:
            raise rpc_failed(case_id, error) from error
        entries = audit.actions_from_history(history)
        if as_json:
            print_json([asdict(entry) for entry in entries])
            return
        table = Table("quand", "quoi", "par", "détail", "SHA-256 du document", "enregistré")
        for e in entries:
            table.add_row(
                local(e.at),
                event_fr(e.kind),
                e.actor,
                e.detail,
                e.document_sha256 or "",
                "oui" if e.confirmed else "en attente",
            )
        console.print(table)

    run(go)


@audit_app.command(
    "replay",
    help="Rejouer les historiques avec le code d'aujourd'hui et dire si chacun est déterministe.",
)
def audit_replay(
    case_id: Annotated[
        str | None, typer.Argument(metavar="DOSSIER", help="Un dossier ; ou bien --all.")
    ] = None,
    all_cases: Annotated[bool, typer.Option("--all", help="Rejouer l'historique de chaque dossier.")] = False,
    as_json: JsonOption = False,
) -> None:
    if (case_id is None) == (not all_cases):
        raise usage_error(BadOption("DOSSIER", "donnez un dossier, ou --all pour tous"))

    async def go() -> list[audit.ReplayOutcome]:
        settings = load_settings()
        await signed_in_user(settings, Permission.AUDIT)
        client = await connect_client(settings)
        if case_id is not None:
            try:
                history = await audit.case_history(client, case_id)
                return [await audit.replay_history(history, client.data_converter)]
            except RPCError as error:
                raise rpc_failed(case_id, error) from error
        return [outcome async for outcome in audit.replay_all(client)]

    outcomes = run(go)
    if as_json:
        print_json([asdict(o) for o in outcomes])
    else:
        for o in outcomes:
            verdict = (
                "[green]déterministe[/green]"
                if o.deterministic
                else f"[red]NON déterministe[/red] : {escape(o.failure or '')}"
            )
            console.print(f"{o.case_id} (exécution {o.run_id}) : {verdict}")
        bad = sum(not o.deterministic for o in outcomes)
        console.print(f"{count_fr(len(outcomes), 'dossier')} rejoué(s), {bad} non déterministe(s)")
    if any(not o.deterministic for o in outcomes):
        raise typer.Exit(1)


@app.command(
    help="Écrire le dossier contentieux d'un dossier : ses documents, son historique Temporal, sa "
    "chronologie et son journal, avec l'empreinte SHA-256 de chaque fichier dans un manifeste."
)
def dossier(
    case_id: CaseArgument,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="RÉPERTOIRE",
            help="Le répertoire à créer (par défaut ./dossier-IDENTIFIANT).",
            file_okay=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    target = output or Path(f"dossier-{case_id}")

    async def go() -> litigation.LitigationFile:
        settings = load_settings()
        async with open_database(settings) as database:
            await signed_in(settings, database, Permission.READ)
            client = await connect_client(settings)
            try:
                return await litigation.litigation_file(client, database, settings, case_id, target)
            except RPCError as error:
                raise rpc_failed(case_id, error) from error
            except litigation.LitigationFileError as error:
                raise CommandFailed(str(error)) from error

    written = run(go)
    if as_json:
        print_json({"folder": str(written.folder), "files": written.files, "not_found": written.not_found})
        return
    console.print(
        f"{written.folder} : {count_fr(len(written.files), 'fichier')}, chacun avec son SHA-256 dans "
        "manifest.json"
    )
    for sha256 in written.not_found:
        warn(f"le journal cite un document {sha256} qu'aucun fichier ne contient")


app.add_typer(audit_app, name="audit")
