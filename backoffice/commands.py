"""Commands to running cases, as the command line and the web back office send them: one update to
the case's workflow in the name of the signed-in user, and a refusal that says why in one
sentence."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from backoffice.accounts import SignedIn
from backoffice.cases import case_handle, how_it_ended
from backoffice.permissions import NotAllowed, Permission, authorize
from models.commands import Command
from models.status import CaseStatus, CommandResult
from models.wording import ending_fr, state_fr
from support.parsing import parse_date
from workflows import InvoiceCollectionWorkflow

LOCAL_ZONE = ZoneInfo("Europe/Paris")


class CommandRefused(Exception):
    """The case, the server or the law refused the command; the message says why."""


def moment_from_text(text: str) -> datetime:
    """A date (start of that day, Paris time) or an ISO date-time (Paris time unless it says);
    ValueError saying why not."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return datetime.combine(parse_date(text), time(0), tzinfo=LOCAL_ZONE)
    if len(text.strip()) <= 10:
        return datetime.combine(moment.date(), time(0), tzinfo=LOCAL_ZONE)
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_ZONE)


async def send_command(
    client: Client, case_id: str, update: Any, request: Command, by: SignedIn
) -> CommandResult:
    """Run one of the case's updates as ``by``, if their role lets them steer cases: the request
    carries their username and id, whatever it said; ``CommandRefused`` with the reason when the
    command does not apply."""
    try:
        authorize(by, Permission.STEER)
    except NotAllowed as refusal:
        raise CommandRefused(str(refusal)) from None
    signed = request.model_copy(update={"agent": by.username, "agent_id": by.user_id})
    try:
        return await case_handle(client, case_id).execute_update(update, signed)
    except WorkflowUpdateFailedError as failure:
        raise CommandRefused(f"{case_id} : refusé : {failure.cause.message}") from failure
    except RPCError as error:
        raise await _closed_or_rpc_failure(client, case_id, error) from error


async def case_status(client: Client, case_id: str) -> CaseStatus:
    try:
        return await case_handle(client, case_id).query(InvoiceCollectionWorkflow.status)
    except RPCError as error:
        raise rpc_failure(case_id, error) from error


async def _closed_or_rpc_failure(client: Client, case_id: str, error: RPCError) -> CommandRefused:
    """A command sent to a case that has ended is refused by the server itself: say so plainly."""
    try:
        ended = await how_it_ended(client, case_id)
    except RPCError:
        return rpc_failure(case_id, error)
    if ended is not None:
        try:
            status = await case_handle(client, case_id).query(InvoiceCollectionWorkflow.status)
            state = state_fr(status.state)
        except RPCError:
            state = ending_fr(ended)
        return CommandRefused(f"{case_id} : refusé : le dossier est clos ({state})")
    return rpc_failure(case_id, error)


def rpc_failure(case_id: str, error: RPCError) -> CommandRefused:
    if error.status == RPCStatusCode.NOT_FOUND:
        return CommandRefused(f"aucun dossier « {case_id} »")
    return CommandRefused(f"{case_id} : {error.message}")
