"""An agent's commands on a case's page, refused at the door when beyond the bounds (models/bounds.py):
a 400 page saying which field and why, never a 500, and the case neither changed nor broken."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import httpx

from models.enums import Role
from tests.fixtures.web import BackofficeUnderTest, status_of


def shown(response: httpx.Response) -> str:
    """The one-shot message the page shows where a command's answer goes."""
    found = re.search(r'<p class="flash" role="status">(.*?)</p>', response.text, re.S)
    assert found, response.text[:500]
    return unescape(found.group(1))


async def test_a_command_beyond_the_bounds_is_a_400_naming_the_field(backoffice: BackofficeUnderTest) -> None:
    case_id, handle = await backoffice.case(amount="600.00")
    alice = await backoffice.user("alice", Role.AGENT)
    day = date.today().isoformat()
    for command, form, message in [
        (
            "payment",
            {"amount": "1e309", "paid_on": day},
            "montant : '1e309' n'est pas un nombre écrit en entier",
        ),
        ("payment", {"amount": "1" * 29, "paid_on": day}, f"montant : '{'1' * 29}' a trop de chiffres"),
        (
            "payment",
            {"amount": "99999999999999999999.99", "paid_on": day},
            "montant : 99999999999999999999,99 dépasse le plus grand montant que Relance conserve",
        ),
        ("payment", {"amount": "١٠٠", "paid_on": day}, "montant : '١٠٠' a des chiffres autres que 0-9"),
        (
            "payment",
            {"amount": "100", "paid_on": "1900-01-01"},
            "date : le 01/01/1900 est avant le 01/01/2000",
        ),
        (
            "payment",
            {"amount": "100", "paid_on": day, "reference": "VIR\x00"},
            "référence : contient un caractère de contrôle (U+0000) en position 4 : retirez-le",
        ),
        ("promise", {"amount": "100", "by": "9999-12-31"}, "date : le 31/12/9999 est à plus de 10 ans d'ici"),
        (
            "dispute",
            {"open": "true", "reason": "x" * 900_000},
            "motif : compte 900000 caractères : au plus 2000",
        ),
        (
            "dispute",
            {"open": "true", "reason": "lot\x003"},
            "motif : contient un caractère de contrôle (U+0000)",
        ),
        (
            "pause",
            {"reason": "attente", "until": "9999-12-31"},
            "jusqu'au : le 31/12/9999 est à plus de 10 ans",
        ),
    ]:
        response = await alice.post(f"/cases/{case_id}/{command}", form)
        assert response.status_code == 400, (command, form.keys(), response.status_code)
        assert shown(response).startswith(f"refusé : {message}"), shown(response)
        assert len(shown(response)) < 300
        # The case's page itself, with its forms: the agent corrects and sends again.
        assert 'id="promise-form"' in response.text

    status = await status_of(handle)
    assert status.balance == Decimal("600.00") and not status.paused
    assert status.promise is None and status.dispute_reason is None
    assert not [action for action in status.actions if action.actor == "alice"]


async def test_a_hold_beyond_the_policy_is_refused_by_the_case_which_goes_on(
    backoffice: BackofficeUnderTest,
) -> None:
    """Within the door's ten years but beyond the policy's max_hold: the workflow's validator
    refuses it, and the case answers the next command."""
    case_id, handle = await backoffice.case(amount="600.00")
    alice = await backoffice.user("alice", Role.AGENT)
    far = (date.today() + timedelta(days=400)).isoformat()

    refused = await alice.post(f"/cases/{case_id}/promise", {"amount": "100", "by": far})
    assert refused.status_code == 303
    page = await alice.get(refused.headers["location"])
    assert f"refused: the promised date {far} is 400 days ahead: at most 365" in shown(page)

    by = (date.today() + timedelta(days=20)).isoformat()
    accepted = await alice.post(f"/cases/{case_id}/promise", {"amount": "100", "by": by})
    assert accepted.status_code == 303
    status = await status_of(handle)
    assert status.promise is not None and status.promise.by.isoformat() == by
