"""``relance``: the back office's command line.

Start the embedded system, import invoices, steer cases and audit them. Read commands take
``--json`` for scripts.
"""

from __future__ import annotations

import logging
import os
import sys

import typer

from backoffice.cli import (
    audit,
    case_commands,
    cases,
    labels,
    letters,
    penalties,
    rates,
    session,
    system,
    users,
)
from backoffice.cli.common import errors
from support.files import create_privately

app = typer.Typer(no_args_is_help=True, help=__doc__, pretty_exceptions_enable=False)
# Groups without a name add their commands at the top level; the help lists them in this order.
for commands in (system, session, cases, case_commands, penalties, audit):
    app.add_typer(commands.app)
app.add_typer(labels.app, name="label")
app.add_typer(users.app, name="user")
app.add_typer(letters.app, name="letter")
app.add_typer(rates.app, name="rates")


def main() -> None:
    # Whatever a command writes (the database, a dossier, a label) is readable by its owner only.
    create_privately()
    try:
        app()
        code: int | str | None = 0
    except SystemExit as exit_:
        code = exit_.code
    if isinstance(code, str):
        errors.print(code)
        code = 1
    # The Temporal client's native threads can outlive the event loop and crash the interpreter's
    # teardown (temporalio/sdk-python issue 300): once the command is done and its output flushed,
    # the process ends without that teardown.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    sys.exit(main())
