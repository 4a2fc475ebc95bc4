"""Postal registered letters as the post reports on them.

A letter sent through the ``postal`` provider is posted by an agent, who then records the number the
post gave it and what the post reports (deposited, presented, received, refused, not claimed), with
its proof, in the letter's record (``activities.registered_mail``). The case is then told to ask for
news at once; a case that cannot be told keeps the record written, and asks at its next check.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.registered_mail.postal import record_postal_event, record_postal_tracking
from backoffice.cases import case_handle, how_it_ended
from backoffice.commands import moment_from_text, rpc_failure
from backoffice.inputs import BadOption, is_pdf, parsed
from config.settings import Settings
from models.mail import DeliveryEvent, DeliveryEventKind
from models.wording import ending_fr
from support.parsing import quoted
from workflows import InvoiceCollectionWorkflow

T = TypeVar("T")


class LetterRefused(Exception):
    """The letter's record refused the report, or there is no such letter: nothing was recorded."""


def check_letter(case_id: str, step: str) -> None:
    """A case id and a step key name folders of the data folder: never paths (``BadOption``)."""
    for what, value, name in (("DOSSIER", case_id, "dossier"), ("ÉTAPE", step, "étape")):
        if not value or value in {".", ".."} or Path(value).name != value:
            raise BadOption(what, f"{quoted(value)} n'est pas un nom de {name}")


def reported_event(kind: str, at: str, proof: Path | None) -> tuple[DeliveryEventKind, datetime]:
    """What the post reports, when, as typed; ``BadOption`` naming the first input to correct."""
    if kind not in {item.value for item in DeliveryEventKind}:
        raise BadOption(
            "NATURE",
            f"{quoted(kind)} n'est ni deposited, ni first_presentation, ni received, ni refused, "
            "ni not_claimed",
        )
    moment = parsed("--at", moment_from_text, at)
    if moment > datetime.now(UTC):
        raise BadOption("--at", f"{quoted(at)} est dans le futur")
    if proof is not None and not proof.is_file():
        raise BadOption("--proof", f"{proof} n'est pas un fichier")
    if proof is not None and not is_pdf(proof):
        raise BadOption("--proof", f"{proof} n'est pas un PDF")
    return DeliveryEventKind(kind), moment


async def record_tracking(settings: Settings, case_id: str, step: str, number: str) -> str:
    """Record the post's tracking number of the letter; the number as recorded."""
    await _recorded(case_id, step, lambda: record_postal_tracking(settings, case_id, step, number))
    return number.strip()


async def record_event(
    settings: Settings,
    case_id: str,
    step: str,
    kind: DeliveryEventKind,
    at: datetime,
    proof: Path | None,
) -> DeliveryEvent:
    """Record what the post reports on the letter, with its proof; the event as recorded."""
    return await _recorded(
        case_id,
        step,
        lambda: record_postal_event(settings, case_id, step, kind, at, proof_path=proof),
    )


async def _recorded(case_id: str, step: str, record: Callable[[], T]) -> T:
    try:
        return await asyncio.to_thread(record)
    except LookupError as error:
        raise LetterRefused(str(error)) from error
    except ValueError as error:
        raise LetterRefused(f"{case_id}/{step} : refusé : {error}") from error


async def tell_case_of_delivery(client: Client, case_id: str) -> str | None:
    """Signal ``delivery_reported``: the case asks the registered-mail provider for news at once.
    Returns why the case was not told when it has ended or does not exist; ``CommandRefused`` when
    the server refuses otherwise."""
    try:
        await case_handle(client, case_id).signal(InvoiceCollectionWorkflow.delivery_reported)
        return None
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise rpc_failure(case_id, error) from error
    try:
        ended = await how_it_ended(client, case_id)
    except RPCError:
        return f"aucun dossier {quoted(case_id)} à prévenir : rien ne suit la lettre"
    return f"le dossier {case_id} n'est plus en cours ({ending_fr(ended or 'ended')}) : il ne le lira pas"
