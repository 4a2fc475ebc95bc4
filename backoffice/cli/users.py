"""``relance user``: the accounts of the web back office."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from backoffice.cli.common import CommandFailed, JsonOption, console, open_database, print_json, run
from backoffice.cli.session import signed_in
from backoffice.permissions import Permission
from config.settings import load_settings
from models.enums import Role

app = typer.Typer(no_args_is_help=True, help="Accounts of the web back office.")


@app.command("add")
def user_add(
    username: str,
    role: Annotated[Role, typer.Option(help="What the user may do.")],
    full_name: Annotated[str, typer.Option("--name", help="Full name shown in the back office.")] = "",
    password_from_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (scripts).")
    ] = False,
) -> None:
    """Create a back-office account; the password is asked twice (or read from stdin). An
    administrator does it, signed in; the first account of an installation is the administrator."""
    from backoffice.accounts import AccountError, add_first_admin, add_user, has_users

    if password_from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)

    async def go() -> None:
        settings = load_settings()
        async with open_database(settings) as database:
            try:
                if await has_users(database):
                    await signed_in(settings, database, Permission.MANAGE_USERS)
                    user = await add_user(database, username, password, role, full_name)
                elif role != Role.ADMIN:
                    raise CommandFailed("no account yet: the first one is the administrator (--role admin)")
                else:
                    user = await add_first_admin(database, username, password, full_name)
            except AccountError as error:
                raise CommandFailed(str(error)) from error
        console.print(f"user {user.username} created ({user.role.value})")

    run(go)


@app.command("list")
def user_list(as_json: JsonOption = False) -> None:
    """List the back-office accounts."""
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
        table = Table("username", "name", "role", "active")
        for row in rows:
            table.add_row(row["username"], row["name"], row["role"], "yes" if row["active"] else "no")
        console.print(table)

    run(go)
