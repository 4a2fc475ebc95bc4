"""``relance login`` and ``relance logout``, and who runs each command.

A command acts for the user who signed in on this machine with ``relance login``: their session (the
same as the web's, 10 hours, through the same sign-in and its limit) is kept in a file only they can
read (``RELANCE_SESSION_FILE``, by default ``~/.config/relance/session``, mode 0600). Every command
that reads or changes cases asks ``signed_in`` for that user and whether their role grants what it
does (``backoffice/permissions.py``, as the web pages do); without a live session it stops at once,
in one line.
"""

from __future__ import annotations

import json
import socket
import stat
import sys
from pathlib import Path
from typing import Annotated

import typer

from backoffice.accounts import (
    SESSION_LIFETIME,
    AccountError,
    SignedIn,
    session_user,
    sign_in,
    sign_out,
    why_no_session,
)
from backoffice.cli.command_line import CommandGroup
from backoffice.cli.common import CommandFailed, console, failed, open_database, run
from backoffice.permissions import NotAllowed, Permission, authorize
from backoffice.sign_in_limit import TooManyAttempts
from config.settings import Settings, load_settings
from models.wording import ROLES
from storage.database import Database
from support.files import PRIVATE_FILE, PRIVATE_FOLDER, write_atomically

app = CommandGroup()

NOT_SIGNED_IN = "personne n'est connecté : lancez « relance login IDENTIFIANT »"
UsernameArgument = Annotated[str, typer.Argument(metavar="IDENTIFIANT", help="L'identifiant du compte.")]
PasswordFromStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Lire le mot de passe sur l'entrée standard (pour les scripts)."),
]


@app.command(
    help="Se connecter : les commandes suivantes agissent pour cet utilisateur, pendant 10 heures ou "
    "jusqu'à « relance logout »."
)
def login(username: UsernameArgument, password_from_stdin: PasswordFromStdin = False) -> None:
    password = read_password(password_from_stdin)

    async def go() -> SignedIn:
        settings = load_settings()
        async with open_database(settings) as database:
            try:
                token = await sign_in(database, username, password, f"cli:{socket.gethostname()}")
            except (AccountError, TooManyAttempts) as error:
                raise CommandFailed(str(error)) from error
            user = await session_user(database, token)
            assert user is not None, "a session just opened"
            # The session this machine had before ends: one session a file.
            try:
                previous = _read(settings.session_file, private_only=False)
            except CommandFailed:
                previous = None  # not a session file: replaced
            keep_session(settings.session_file, user.username, token)
            if previous is not None:
                await sign_out(database, previous[1])
        return user

    user = run(go)
    hours = SESSION_LIFETIME.total_seconds() / 3600
    console.print(f"connecté comme {user.username} ({ROLES[user.role]}) pour {hours:g} heures")


@app.command(
    help="Fermer la session de cette machine : les commandes refusent d'agir jusqu'au prochain "
    "« relance login »."
)
def logout() -> None:

    async def go() -> str | None:
        settings = load_settings()
        kept = _read(settings.session_file, private_only=False)
        if kept is None:
            return None
        async with open_database(settings) as database:
            await sign_out(database, kept[1])
        settings.session_file.unlink(missing_ok=True)
        return kept[0]

    username = run(go)
    console.print(f"{username} est déconnecté" if username else "personne n'était connecté")


def read_password(from_stdin: bool, twice: bool = False) -> str:
    """The password read from standard input's first line, or asked without echo (``twice`` for a
    new one: both entries must match)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = typer.prompt("mot de passe", hide_input=True)
    if twice and typer.prompt("mot de passe, à nouveau", hide_input=True) != password:
        failed("mot de passe : les deux saisies diffèrent")
        raise typer.Exit(1)
    return password


async def signed_in(settings: Settings, database: Database, permission: Permission) -> SignedIn:
    """The user this machine's session stands for, if their role grants ``permission``;
    ``CommandFailed`` saying why not."""
    kept = _read(settings.session_file)
    if kept is None:
        raise CommandFailed(NOT_SIGNED_IN)
    user = await session_user(database, kept[1])
    if user is None:
        reason = await why_no_session(database, kept[1])
        raise CommandFailed(f"{NOT_SIGNED_IN} ({kept[0]} : {reason})")
    try:
        authorize(user, permission)
    except NotAllowed as refusal:
        raise CommandFailed(str(refusal)) from None
    return user


async def signed_in_user(settings: Settings, permission: Permission) -> SignedIn:
    """``signed_in`` for a command that needs no database otherwise."""
    async with open_database(settings) as database:
        return await signed_in(settings, database, permission)


def keep_session(path: Path, username: str, token: str) -> None:
    """Write the session to ``path``, readable by its owner only (0600, in a 0700 folder)."""
    path.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    write_atomically(path, json.dumps({"username": username, "token": token}).encode("utf-8"))


def _read(path: Path, private_only: bool = True) -> tuple[str, str] | None:
    """The username and token kept in ``path``; None when there is none. A file others may read is
    refused (but to sign out): whoever read it could act as its user."""
    try:
        mode = path.stat().st_mode
        kept = json.loads(path.read_text(encoding="utf-8"))
        username, token = str(kept["username"]), str(kept["token"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CommandFailed(
            f"{path} : pas un fichier de session ({error}) ; reconnectez-vous (« relance login »)"
        ) from None
    if private_only and stat.S_IMODE(mode) & ~PRIVATE_FILE:
        raise CommandFailed(
            f"{path} peut être lu par d'autres (mode {stat.S_IMODE(mode):o}) : lancez « relance logout », "
            "puis de nouveau « relance login »"
        )
    return username, token
