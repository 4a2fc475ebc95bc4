"""``relance audit history``, ``relance audit replay`` and ``relance dossier``: prove what was done on
cases, from their Temporal histories."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from temporalio.service import RPCError

from backoffice import audit, litigation
from backoffice.cli.common import (
    CommandFailed,
    JsonOption,
    connect_client,
    console,
    local,
    open_database,
    print_json,
    rpc_failed,
    run,
)
from backoffice.cli.session import signed_in, signed_in_user
from backoffice.permissions import Permission
from config.settings import load_settings
from models.wording import event_fr

# The top-level ``dossier`` command, and the ``audit`` group.
app = typer.Typer()
audit_app = typer.Typer(no_args_is_help=True, help="Prove what was done on cases, from their histories.")


@audit_app.command("history")
def audit_history(case_id: str, as_json: JsonOption = False) -> None:
    """The case's actions in order, read from its Temporal history."""

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
                "[green]deterministic[/green]"
                if o.deterministic
                else f"[red]NOT deterministic[/red]: {o.failure}"
            )
            console.print(f"{o.case_id} ({o.run_id}): {verdict}")
        bad = sum(not o.deterministic for o in outcomes)
        console.print(f"{len(outcomes)} case(s) replayed, {bad} not deterministic")
    if any(not o.deterministic for o in outcomes):
        raise typer.Exit(1)


@app.command()
def dossier(
    case_id: str,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Folder to create (default: ./dossier-ID).", file_okay=False),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Write a case's litigation file: its documents, Temporal history, timeline and journal, with
    every file's SHA-256 in a manifest."""
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
    console.print(f"{written.folder}: {len(written.files)} files, each with its SHA-256 in manifest.json")
    for sha256 in written.not_found:
        console.print(f"[yellow]warning:[/yellow] the journal records a document {sha256} found in no file")


app.add_typer(audit_app, name="audit")
