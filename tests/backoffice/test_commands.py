"""``send_command``, the one way both doors give a case a command: in the name of the signed-in
user, whatever the request said, and only for a role that steers cases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from backoffice.accounts import SignedIn, add_user, session_user, sign_in
from backoffice.commands import CommandRefused, send_command
from models.commands import PauseRequest
from models.enums import Role
from storage.journal import case_events
from tests.fixtures.cases import RelanceUnderTest, make_case
from tests.fixtures.cli import PASSWORD
from tests.fixtures.workflows import start
from workflows import InvoiceCollectionWorkflow


async def signed_in(relance: RelanceUnderTest, username: str, role: Role) -> SignedIn:
    await add_user(relance.database, username, PASSWORD, role)
    user = await session_user(relance.database, await sign_in(relance.database, username, PASSWORD, "tests"))
    assert user is not None
    return user


async def test_a_command_carries_the_signed_in_user_whatever_it_said(relance: RelanceUnderTest) -> None:
    case = make_case(due_date=date.today() + timedelta(days=30))
    handle = await start(relance, case)
    alice = await signed_in(relance, "alice", Role.AGENT)

    claimed = PauseRequest(reason="le débiteur appelle lundi", agent="someone-else", agent_id=999)
    pause = InvoiceCollectionWorkflow.pause
    result = await send_command(relance.client, case.case_id, pause, claimed, by=alice)

    assert result.status.paused
    [paused] = [e for e in await case_events(relance.database, case.case_id) if e.kind == "paused"]
    assert paused.actor == "alice"
    # The update's input in the history: the user's name and id.
    [update] = [
        event.workflow_execution_update_accepted_event_attributes.accepted_request
        for event in (await handle.fetch_history()).events
        if event.HasField("workflow_execution_update_accepted_event_attributes")
    ]
    [sent] = await relance.client.data_converter.decode(update.input.args.payloads, [PauseRequest])
    assert (sent.agent, sent.agent_id) == ("alice", alice.user_id)


async def test_a_role_that_does_not_steer_or_the_cases_own_name_is_refused(relance: RelanceUnderTest) -> None:
    case = make_case(due_date=date.today() + timedelta(days=30))
    handle = await start(relance, case)
    pause = PauseRequest(reason="attente")
    auditor = await signed_in(relance, "audrey", Role.AUDITOR)
    refusal = r"^audrey \(auditeur\) n'a pas le droit de piloter les dossiers$"
    with pytest.raises(CommandRefused, match=refusal):
        await send_command(relance.client, case.case_id, InvoiceCollectionWorkflow.pause, pause, by=auditor)

    # An account that bears the name the case journals its own steps under speaks for nobody.
    system = await signed_in(relance, "relance", Role.AGENT)
    with pytest.raises(CommandRefused, match="refusé : « relance » est le nom du dossier lui-même"):
        await send_command(relance.client, case.case_id, InvoiceCollectionWorkflow.pause, pause, by=system)

    assert not (await handle.query(InvoiceCollectionWorkflow.status)).paused
    assert "paused" not in [e.kind for e in await case_events(relance.database, case.case_id)]
