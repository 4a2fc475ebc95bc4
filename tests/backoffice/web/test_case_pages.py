"""An agent's commands on a case's page, refused at the door when beyond the bounds (models/bounds.py):
a 400 page saying which field and why, never a 500, and the case neither changed nor broken."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape
from io import BytesIO

import httpx
from pypdf import PdfReader

from models.enums import CaseState, Role
from support.french import date_fr
from tests.fixtures.pdf import flat
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
            "montant : « 1e309 » n'est pas un nombre écrit en entier",
        ),
        ("payment", {"amount": "1" * 29, "paid_on": day}, f"montant : « {'1' * 29} » a trop de chiffres"),
        (
            "payment",
            {"amount": "99999999999999999999.99", "paid_on": day},
            "montant : 99999999999999999999,99 dépasse le plus grand montant que Relance conserve",
        ),
        ("payment", {"amount": "١٠٠", "paid_on": day}, "montant : « ١٠٠ » a des chiffres autres que 0 à 9"),
        (
            "payment",
            {"amount": "100", "paid_on": "1900-01-01"},
            "date : le 1er janvier 1900 est avant le 1er janvier 2000",
        ),
        (
            "payment",
            {"amount": "100", "paid_on": day, "reference": "VIR\x00"},
            "référence : contient un caractère de contrôle (U+0000) en position 4 : retirez-le",
        ),
        (
            "promise",
            {"amount": "100", "by": "9999-12-31"},
            "date : le 31 décembre 9999 est à plus de dix ans d'ici",
        ),
        (
            "dispute",
            {"open": "true", "reason": "x" * 900_000},
            "motif : compte 900 000 caractères : au plus 2 000",
        ),
        (
            "dispute",
            {"open": "true", "reason": "lot\x003"},
            "motif : contient un caractère de contrôle (U+0000)",
        ),
        (
            "pause",
            {"reason": "attente", "until": "9999-12-31"},
            "jusqu'au : le 31 décembre 9999 est à plus de dix ans",
        ),
    ]:
        response = await alice.post(f"/cases/{case_id}/{command}", form)
        assert response.status_code == 400, (command, form.keys(), response.status_code)
        # Its no-break spaces as plain ones (tests/models/test_bounds.py checks where they are).
        said = shown(response).replace("\u00a0", " ").replace("\u202f", " ")
        assert said.startswith(f"refusé : {message}"), shown(response)
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
    on = date_fr(date.fromisoformat(far))
    assert f"refusé : la date promise ({on}) est dans 400 jours\u00a0: au plus 365" in shown(page)

    by = (date.today() + timedelta(days=20)).isoformat()
    accepted = await alice.post(f"/cases/{case_id}/promise", {"amount": "100", "by": by})
    assert accepted.status_code == 303
    status = await status_of(handle)
    assert status.promise is not None and status.promise.by.isoformat() == by


async def test_an_agent_records_collective_proceedings_on_the_case_page(
    backoffice: BackofficeUnderTest,
) -> None:
    case_id, handle = await backoffice.case(amount="600.00")
    alice = await backoffice.user("alice", Role.AGENT)
    page = await alice.get(f"/cases/{case_id}")
    assert 'id="insolvency-form"' in page.text and 'id="declaration-sent-form"' not in page.text
    day = date.today().isoformat()
    opening = {"kind": "sauvegarde", "opened_on": day, "court": "Tribunal de commerce de Paris"}

    forged = await alice.http.post(f"/cases/{case_id}/insolvency", data=opening)
    assert forged.status_code == 403 and "CSRF" in forged.text
    wrong = await alice.post(f"/cases/{case_id}/insolvency", opening | {"kind": "faillite"})
    assert wrong.status_code == 400 and shown(wrong).startswith("refusé : procédure : ")
    no_court = await alice.post(f"/cases/{case_id}/insolvency", opening | {"court": " "})
    assert no_court.status_code == 400 and shown(no_court) == "refusé : tribunal : requis"
    assert (await status_of(handle)).insolvency is None

    recorded = await alice.post(f"/cases/{case_id}/insolvency", opening)
    assert recorded.status_code == 303
    page = await alice.get(recorded.headers["location"])
    assert "procédure de sauvegarde, jugement d'ouverture du" in shown(page)
    assert "la relance est arrêtée" in shown(page)
    text = unescape(page.text)
    assert 'data-state="insolvency"' in text and "en procédure collective" in text
    assert "délai à connaître (date de publication au BODACC)" in text
    assert 'class="need-banner need-claim_declaration"' in text
    # Nothing holds or moves the ladder any more; the declaration can be recorded as sent.
    assert 'id="pause-form"' not in text and 'id="promise-form"' not in text
    assert 'id="declaration-sent-form"' in text and "Compléter la procédure collective" in text
    status = await status_of(handle)
    assert status.state == CaseState.INSOLVENCY and status.insolvency is not None
    sha256 = status.insolvency.declaration_sha256
    document = await alice.get(f"/cases/{case_id}/documents/{sha256}")
    assert document.status_code == 200 and document.headers["content-type"] == "application/pdf"
    assert "DÉCLARATION DE CRÉANCE" in flat(
        " ".join(p.extract_text() for p in PdfReader(BytesIO(document.content)).pages)
    )
    queue = unescape((await alice.get("/queue")).text)
    assert case_id in queue and "renseignez la date de publication du jugement d'ouverture au BODACC" in queue

    sent = await alice.post(f"/cases/{case_id}/declaration-sent", {"sent_on": day, "reference": "1A 23"})
    assert sent.status_code == 303
    page = await alice.get(sent.headers["location"])
    assert shown(page).startswith("déclaration de créance envoyée le ")
    assert 'id="declaration-sent-form"' not in page.text and 'id="insolvency-form"' not in page.text
    status = await status_of(handle)
    assert status.insolvency is not None and status.insolvency.declaration_reference == "1A 23"
    assert [a.actor for a in status.actions if a.kind == "claim_declaration_sent"] == ["alice"]
