"""The installed console script ``relance`` answers as the command line of the other tests does:
their commands are forked from a server that imported the script's modules once
(``tests/fixtures/fork_server.py``); here each command also starts the script itself, a process of
its own, and both answers are compared (exit code, stdout, stderr)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from tests.fixtures.cli import BUSINESS, CREDITOR, PASSWORD, Cli


async def test_the_installed_script_answers_as_the_forked_command_line(cli: Cli) -> None:
    installed = dataclasses.replace(cli, installed=True)
    due = (date.today() + timedelta(days=30)).isoformat()
    await cli.json("import", str(cli.write_csv(CREDITOR + BUSINESS + f"S-1,{date.today()},{due},450.00,0,")))
    # The memo's order is the protobuf map's, which differs from one process to the next.
    [listed] = await installed.json("list")
    assert listed["memo"]["invoice"] == "S-1"
    assert listed == (await cli.json("list"))[0]

    for args in (("--help",), ("status", "dossier-inconnu")):
        assert await installed(*args) == await cli(*args), args

    # bruno signs in, his password on stdin, into the session file his environment names.
    answers = []
    for number, command in enumerate((installed, cli)):
        session_file = cli.folder / f"bruno-{number}"
        bruno = dataclasses.replace(command, env={**cli.env, "RELANCE_SESSION_FILE": str(session_file)})
        signed_in = await bruno("login", "bruno", "--password-stdin", stdin=PASSWORD + "\n")
        answers.append((signed_in, await bruno("list")))
        assert session_file.exists()
    assert answers[0] == answers[1]
    assert answers[0][0] == (0, "connecté comme bruno (agent) pour 10 heures\n", "")
