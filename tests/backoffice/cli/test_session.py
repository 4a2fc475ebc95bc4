"""``relance login`` and ``relance logout``: every command acts for a user who signed in, and one
who did not, whose session ended or whose account was disabled is refused in one line."""

from __future__ import annotations

import dataclasses
import stat
from datetime import UTC, datetime

from sqlmodel import select

from backoffice.accounts import set_active
from storage.tables import WebSession
from tests.fixtures.cli import PASSWORD, Cli


def without_session(cli: Cli, name: str = "nobody") -> Cli:
    """The command line of someone who has not signed in on this machine."""
    session_file = cli.folder / "home" / name / ".config" / "relance" / "session"
    return dataclasses.replace(cli, env={**cli.env, "RELANCE_SESSION_FILE": str(session_file)})


NOT_SIGNED_IN = "erreur : personne n'est connecté : lancez « relance login IDENTIFIANT »"


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    return " ".join(lines[0].split())


async def test_a_user_signs_in_acts_and_signs_out(cli: Cli) -> None:
    bruno = without_session(cli, "bruno")
    session_file = cli.folder / "home" / "bruno" / ".config" / "relance" / "session"

    code, _, err = await bruno("login", "bruno", "--password-stdin", stdin="not the password\n")
    assert (code, one_line(err)) == (1, "erreur : identifiant inconnu ou mot de passe erroné")
    assert not session_file.exists()

    code, out, err = await bruno("login", "Bruno ", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0, err
    assert "connecté comme bruno (agent) pour 10 heures" in out
    # Only bruno reads his session: the file 0600, in a folder 0700.
    assert stat.S_IMODE(session_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(session_file.parent.stat().st_mode) == 0o700
    assert PASSWORD not in session_file.read_text(encoding="utf-8")
    code, _, err = await bruno("list", "--json")
    assert code == 0, err
    # Signing in again ends the session the file held: one session a file.
    code, _, err = await bruno("login", "bruno", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0, err
    async with cli.database.sessions() as session:
        assert len((await session.exec(select(WebSession))).all()) == 2  # alice's and bruno's

    code, out, _ = await bruno("logout")
    assert (code, out.strip()) == (0, "bruno est déconnecté")
    assert not session_file.exists()
    async with cli.database.sessions() as session:
        # alice's session only: bruno's ended with his logout.
        assert len((await session.exec(select(WebSession))).all()) == 1
    code, out, err = await bruno("list")
    assert (code, out) == (1, "")
    assert one_line(err) == NOT_SIGNED_IN


async def test_a_command_without_a_session_is_refused_in_one_line(cli: Cli) -> None:
    nobody = without_session(cli)
    for command in (
        ("list",),
        ("status", "invoice-123456782-F-1"),
        ("pay", "invoice-123456782-F-1", "10,00"),
        ("decide", "invoice-123456782-F-1"),
        ("import", str(cli.write_csv())),
        ("audit", "replay", "--all"),
        ("user", "list"),
    ):
        code, out, err = await nobody(*command)
        assert (code, out) == (1, ""), command
        assert one_line(err) == NOT_SIGNED_IN, command


async def test_an_expired_or_disabled_session_is_refused(cli: Cli) -> None:
    async with cli.database.sessions() as session, session.begin():
        [alices] = (await session.exec(select(WebSession))).all()
        alices.expires_at = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
        session.add(alices)
    code, _, err = await cli("list")
    assert code == 1
    # 18:00 UTC is 19:00 in Paris in January.
    assert one_line(err) == f"{NOT_SIGNED_IN} (alice : la session a expiré le 5 janvier 2026 à 19 h 00)"

    cli = await cli.signed_in_as("alice")
    await set_active(cli.database, "alice", False)
    code, _, err = await cli("list")
    assert code == 1
    # Disabling an account ends its sessions (as on the web).
    assert "(alice : session inconnue" in one_line(err)


async def test_a_session_file_others_can_read_is_refused(cli: Cli) -> None:
    session_file = cli.folder / "sessions" / "alice"
    session_file.chmod(0o644)
    code, _, err = await cli("list")
    assert code == 1 and "peut être lu par d'autres (mode 644)" in one_line(err)
    code, out, _ = await cli("logout")
    assert (code, out.strip()) == (0, "alice est déconnecté")


async def test_only_an_administrator_adds_an_account(cli: Cli) -> None:
    code, _, err = await (await cli.signed_in_as("bruno"))(
        "user", "add", "zoe", "--role", "agent", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert (code, one_line(err)) == (1, "erreur : bruno (agent) n'a pas le droit de gérer les utilisateurs")
    code, out, err = await cli(
        "user", "add", "zoe", "--role", "agent", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert code == 0 and "compte zoe créé (agent)" in out, err
