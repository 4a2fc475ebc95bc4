"""The statement of account (*relevé de compte*) as both doors ask for it: drawn as the debtor's
account draws it for a grouped letter (``activities.account_statements``), refused in the back
office's words."""

from __future__ import annotations

from datetime import date

from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from activities.account_statements import account_statement
from backoffice.commands import CommandRefused, rpc_failure
from backoffice.debtor_accounts import AccountRef
from config.settings import Settings
from models.account_statements import AccountStatement
from models.grouped_sending import AccountStatementRequest
from storage.database import Database


async def draw_statement(
    client: Client, database: Database, settings: Settings, account: AccountRef, drawn_on: date
) -> AccountStatement:
    """The statement of ``account`` as at ``drawn_on``; ``CommandRefused`` saying why there is none
    (a case not found, a late day in a gap of the rate tables)."""
    request = AccountStatementRequest(
        account_id=account.account_id, case_ids=[case.case_id for case in account.cases], drawn_on=drawn_on
    )
    try:
        return await account_statement(client, database, settings, request)
    except ApplicationError as error:
        raise CommandRefused(f"{account.account_id} : {error.message}") from error
    except RPCError as error:
        raise rpc_failure(account.account_id, error) from error


def statement_file_name(statement: AccountStatement) -> str:
    return f"releve-de-compte-{statement.account_id}-{statement.drawn_on.isoformat()}.pdf"
