"""What every command of the ``relance`` command line shares: running a command and printing its
failure, the options every group takes, the Temporal client and the database of the settings."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from temporalio.client import Client
from temporalio.service import RPCError

from backoffice.commands import LOCAL_ZONE, rpc_failure
from backoffice.inputs import BadOption
from config.settings import Settings
from security.payload_codec import PayloadDecryptionError
from storage.database import Database
from support.typography import typeset_text

console = Console()
errors = Console(stderr=True)

T = TypeVar("T")

JsonOption = Annotated[bool, typer.Option("--json", help="Écrire du JSON, pour les scripts.")]
CaseArgument = Annotated[
    str, typer.Argument(metavar="DOSSIER", help="L'identifiant du dossier (relance list le donne).")
]


class CommandFailed(Exception):
    """A failure the user can act on, said in French: printed as one line, exit code 1."""


def run(coroutine_factory: Callable[[], Awaitable[T]]) -> T:
    try:
        return asyncio.run(coroutine_factory())  # type: ignore[arg-type]
    except CommandFailed as failure:
        failed(failure)
        raise typer.Exit(1) from None
    except PayloadDecryptionError as error:
        # A case sealed with a key this process lacks (RELANCE_PAYLOAD_KEYS, see the README).
        failed(f"clés de chiffrement (RELANCE_PAYLOAD_KEYS) : {error}")
        raise typer.Exit(1) from None


def failed(why: object) -> None:
    """Say on stderr, in one line, why the command failed."""
    errors.print(typeset_text(f"[red]erreur :[/red] {escape(str(why))}"), highlight=False)


def warn(what: object) -> None:
    errors.print(typeset_text(f"[yellow]attention :[/yellow] {escape(str(what))}"), highlight=False)


def usage_error(error: BadOption) -> typer.Exit:
    """Print ``error`` as one line; the exit to raise (code 2, a usage error)."""
    typer.echo(typeset_text(f"erreur : {error}"), err=True)
    return typer.Exit(2)


def rpc_failed(case_id: str, error: RPCError) -> CommandFailed:
    """The server's refusal about a case, as a failure of the command."""
    return CommandFailed(str(rpc_failure(case_id, error)))


async def connect_client(settings: Settings) -> Client:
    """The back office's client: it encrypts and decrypts payloads with the configured keys."""
    from config.temporal import TemporalTLSError, connect
    from security.payload_codec import PayloadKeyError

    try:
        return await connect(settings)
    except PayloadKeyError as error:
        raise CommandFailed(f"clés de chiffrement (RELANCE_PAYLOAD_KEYS) : {error}") from error
    except TemporalTLSError as error:
        raise CommandFailed(f"TLS de Temporal : {error}") from error
    except RuntimeError as error:
        raise CommandFailed(
            f"Temporal ne répond pas à {settings.temporal_address} ({error}) : « relance up » tourne-t-il ?"
        ) from error


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.effective_database_url)
    try:
        await database.migrate()
        yield database
    finally:
        await database.dispose()


def print_json(value: Any) -> None:
    console.print_json(json.dumps(value, default=str, ensure_ascii=False))


def to_json(model: BaseModel) -> Any:
    return model.model_dump(mode="json")


def short_date(day: date) -> str:
    """A day as a table shows it: ``31/03/2026``."""
    return day.strftime("%d/%m/%Y")


def local(moment: datetime | None) -> str:
    """A moment as Paris reads it in a table, to the second (``03/03/2026 09:30:12``); empty for none."""
    return moment.astimezone(LOCAL_ZONE).strftime("%d/%m/%Y %H:%M:%S") if moment else ""
