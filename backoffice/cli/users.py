"""``relance user``: the accounts of the web back office."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from backoffice.cli.command_line import CommandGroup
from backoffice.cli.common import CommandFailed, JsonOption, console, open_database, print_json, run
from backoffice.cli.session import PasswordFromStdin, UsernameArgument, read_password, signed_in
from backoffice.permissions import Permission
from config.settings import load_settings
from models.enums import Role
from models.wording import ROLES

app = CommandGroup(no_args_is_help=True, help="Les comptes du back-office.")
ROLE_HELP = "Ce que l'utilisateur peut faire : " + ", ".join(f"{role.value} ({ROLES[role]})" for role in Role)


@app.command(
    "add",
    help="Créer un compte du back-office ; le mot de passe est demandé deux fois (ou lu sur l'entrée "
    "standard). Un administrateur connecté le fait ; le premier compte d'une installation est "
    "l'administrateur.",
)
def user_add(
    username: UsernameArgument,
    role: Annotated[Role, typer.Option(help=ROLE_HELP)],
    full_name: Annotated[
        str, typer.Option("--name", metavar="NOM", help="Le nom complet affiché dans le back-office.")
    ] = "",
    password_from_stdin: PasswordFromStdin = False,
) -> None:
    from backoffice.accounts import AccountError, add_first_admin, add_user, has_users

    password = read_password(password_from_stdin, twice=True)

    async def go() -> None:
        settings = load_settings()
        async with open_database(settings) as database:
            try:
                if await has_users(database):
                    await signed_in(settings, database, Permission.MANAGE_USERS)
                    user = await add_user(database, username, password, role, full_name)
                elif role != Role.ADMIN:
                    raise CommandFailed(
                        "aucun compte encore : le premier est l'administrateur (--role admin)"
                    )
                else:
                    user = await add_first_admin(database, username, password, full_name)
            except AccountError as error:
                raise CommandFailed(str(error)) from error
        console.print(f"compte {user.username} créé ({ROLES[Role(user.role)]})")

    run(go)


@app.command("list", help="Lister les comptes du back-office.")
def user_list(as_json: JsonOption = False) -> None:
    from backoffice.accounts import list_users

    async def go() -> None:
        settings = load_settings()
        async with open_database(settings) as database:
            await signed_in(settings, database, Permission.MANAGE_USERS)
            users = await list_users(database)
        rows = [
            {"username": u.username, "name": u.full_name, "role": str(u.role), "active": u.active}
            for u in users
        ]
        if as_json:
            print_json(rows)
            return
        table = Table("identifiant", "nom", "rôle", "actif")
        for row in rows:
            table.add_row(
                row["username"], row["name"], ROLES[Role(row["role"])], "oui" if row["active"] else "non"
            )
        console.print(table)

    run(go)
