"""``relance``: the back office's command line, every group of ``backoffice/cli`` mounted on one
French command line (``backoffice/cli/command_line.py``)."""

from __future__ import annotations

import logging
import os
import sys

from backoffice.cli import (
    audit,
    case_commands,
    cases,
    debtor_accounts,
    labels,
    letters,
    penalties,
    rates,
    session,
    system,
    users,
)
from backoffice.cli.command_line import CommandGroup
from backoffice.cli.common import errors
from support.files import create_privately

HELP = (
    "Relance, le back-office du recouvrement : démarrer le système embarqué, importer les factures, "
    "piloter les dossiers et les auditer. Chaque commande agit pour l'utilisateur connecté par "
    "« relance login » ; les commandes de lecture prennent --json pour les scripts."
)
app = CommandGroup(no_args_is_help=True, help=HELP, pretty_exceptions_enable=False)
# Groups without a name add their commands at the top level; the help lists them in this order.
for commands in (system, session, cases, case_commands, penalties, audit):
    app.add_typer(commands.app)
app.add_typer(labels.app, name="label")
app.add_typer(users.app, name="user")
app.add_typer(letters.app, name="letter")
app.add_typer(rates.app, name="rates")
app.add_typer(debtor_accounts.app, name="account")


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
