"""The pages of people who follow cases: dashboard, case list, work queue, a case and its commands."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData
from temporalio.service import RPCError

from backoffice.accounts import SignedIn
from backoffice.audit import documents_in_history
from backoffice.cases import list_case_page
from backoffice.commands import LOCAL_ZONE, CommandRefused, case_status, send_command
from backoffice.inputs import BadOption, amount_input, day_input, moment_input, parsed, validated
from backoffice.portfolio import AGING_BUCKETS
from backoffice.rates import missing_rates, rates_banner
from backoffice.web.access import Permission, checked_form, requires
from backoffice.web.documents import document_response, files_present
from backoffice.web.histories import readable_history
from backoffice.web.queries import BadQuery, query_choice, query_day, query_siren
from backoffice.web.rendering import NotFound, redirect_with_message, render
from backoffice.work_queue import needs_of, work_queue
from law.insolvency import PROCEEDINGS_FR
from models.commands import (
    ClaimDeclarationSent,
    Command,
    DisputeRequest,
    EscalateRequest,
    FilingDecision,
    InsolvencyDeclared,
    PauseRequest,
    PaymentRequest,
    PromiseRequest,
    ResumeRequest,
)
from models.enums import CaseState, InsolvencyKind, Stage
from models.search_attributes import case_query
from workflows import InvoiceCollectionWorkflow

router = APIRouter()
Reader = Annotated[SignedIn, Depends(requires(Permission.READ))]
Steerer = Annotated[SignedIn, Depends(requires(Permission.STEER))]
# Cases per page of the list; each is asked its status, all at once.
PAGE_SIZE = 100


@router.get("/dashboard")
async def dashboard(request: Request, user: Reader) -> Response:
    return await render(request, "dashboard.html", **await _dashboard_figures(request))


@router.get("/dashboard/panel")
async def dashboard_panel(request: Request, user: Reader) -> Response:
    """The figures alone, fetched again by the page every few seconds."""
    return await render(request, "dashboard_panel.html", **await _dashboard_figures(request))


async def _dashboard_figures(request: Request) -> dict[str, Any]:
    figures = await request.app.state.backoffice.portfolio.get(datetime.now(LOCAL_ZONE).date())
    largest = max((amount for _, amount in figures.aging.values()), default=0) or 1
    banner = _rates_banner(request)
    return {"figures": figures, "buckets": AGING_BUCKETS, "largest": largest, "rates_banner": banner}


def _rates_banner(request: Request) -> str | None:
    settings = request.app.state.backoffice.settings
    return rates_banner(missing_rates(settings, datetime.now(LOCAL_ZONE).date()))


@router.get("/cases")
async def cases_page(
    request: Request,
    user: Reader,
    state: str = "",
    stage: str = "",
    paused: str = "",
    disputed: str = "",
    creditor: str = "",
    due_before: str = "",
    closed: bool = False,
    page: str = "",
) -> Response:
    filters = {"state": state, "stage": stage, "paused": paused, "disputed": disputed}
    filters |= {"creditor": creditor, "due_before": due_before, "closed": closed}
    try:
        query = case_query(
            running_only=not closed,
            state=query_choice(state, "état", CaseState),
            stage=query_choice(stage, "étape", Stage),
            paused={"yes": True, "no": False}.get(paused),
            disputed={"yes": True, "no": False}.get(disputed),
            creditor_siren=query_siren(creditor, "créancier"),
            due_before=query_day(due_before, "échéance avant le", datetime.now(LOCAL_ZONE).date()),
            task_queue=request.app.state.backoffice.settings.temporal_task_queue,
        )
    except BadQuery as error:
        return await render(
            request,
            "cases.html",
            status_code=400,
            cases=[],
            filters=filters,
            error=str(error),
            next_page=None,
            **_choices(),
        )
    client = request.app.state.backoffice.client
    try:
        cases, next_token = await list_case_page(client, query, PAGE_SIZE, _page_token(page))
    except (ValueError, RPCError):
        # A page link of another process or a mangled one: the first page instead.
        cases, next_token = await list_case_page(client, query, PAGE_SIZE)
    next_page = None
    if next_token:
        shown = {key: value for key, value in request.query_params.items() if key != "page"}
        next_page = "/cases?" + urlencode({**shown, "page": _page_link(next_token)})
    return await render(
        request, "cases.html", cases=cases, filters=filters, error=None, next_page=next_page, **_choices()
    )


# Page links carry visibility's page token, signed: a forged one is known here at once, instead of
# after the server's refusal and the client's retries.
_PAGE_LINK_KEY = secrets.token_bytes(32)


def _page_link(token: bytes) -> str:
    signature = hmac.new(_PAGE_LINK_KEY, token, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(signature + token).decode()


def _page_token(link: str) -> bytes | None:
    """The page token of a link made here; ``ValueError`` for any other."""
    if not link:
        return None
    data = base64.urlsafe_b64decode(link)
    signature, token = data[:16], data[16:]
    if not hmac.compare_digest(signature, hmac.new(_PAGE_LINK_KEY, token, hashlib.sha256).digest()[:16]):
        raise ValueError("not a page link of this back office")
    return token


def _choices() -> dict[str, Any]:
    return {"states": list(CaseState), "all_stages": list(Stage)}


@router.get("/queue")
async def queue_page(request: Request, user: Reader) -> Response:
    backoffice = request.app.state.backoffice
    items = await work_queue(backoffice.client, backoffice.settings.temporal_task_queue)
    return await render(request, "queue.html", items=items, rates_banner=_rates_banner(request))


@router.get("/cases/{case_id}")
async def case_page(request: Request, case_id: str, user: Reader) -> Response:
    return await _case_page(request, case_id)


async def _case_page(request: Request, case_id: str, status_code: int = 200, refusal: str = "") -> Response:
    """The case's page; with ``refusal``, shown where a command's answer is, with ``status_code``."""
    client = request.app.state.backoffice.client
    try:
        status = await case_status(client, case_id)
    except CommandRefused as error:
        raise NotFound("Dossier introuvable", str(error)) from error
    documents = documents_in_history(await readable_history(request, case_id))
    on_disk = await files_present(d.path for d in documents)
    return await render(
        request,
        "case.html",
        status_code=status_code,
        **({"flash": refusal} if refusal else {}),
        case=status,
        needs=needs_of(status),
        documents=documents,
        on_disk=on_disk,
        stages=[stage for stage in Stage if status.stage is None or stage.rank > status.stage.rank],
        today=datetime.now(LOCAL_ZONE).date(),
        proceedings=PROCEEDINGS_FR,
    )


@router.get("/cases/{case_id}/documents/{sha256}")
async def case_document(request: Request, case_id: str, sha256: str, user: Reader) -> Response:
    """A document the case's history records, served only from the data folder."""
    data_dir = request.app.state.backoffice.settings.data_dir
    for document in documents_in_history(await readable_history(request, case_id)):
        if document.recorded_sha256 == sha256:
            response = await document_response(data_dir, document.path)
            if response is None:
                break
            return response
    raise NotFound("Document introuvable", f"{case_id}: {sha256}")


# --- commands --------------------------------------------------------------------------------------


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


# The page's label of each field of a request: a refusal names the field to correct.
LABELS = {
    "reason": "motif",
    "until": "jusqu'au",
    "to_stage": "étape",
    "amount": "montant",
    "paid_on": "date",
    "by": "date",
    "reference": "référence",
    "opened_on": "jugement d'ouverture du",
    "kind": "procédure",
    "court": "tribunal",
    "bodacc_published_on": "publié au BODACC le",
    "mandataire": "mandataire judiciaire",
    "sent_on": "déclaration de créance envoyée le",
}


def _required(form: FormData, name: str) -> str:
    text = _text(form, name)
    if not text:
        raise BadOption(LABELS[name], "requis")
    return text


def _field(form: FormData, name: str, read: Callable[[str, str], Any]) -> Any:
    """The field read by ``read(label, text)`` (``backoffice.inputs``), None when left empty."""
    text = _text(form, name)
    return read(LABELS[name], text) if text else None


def _stage(label: str, text: str) -> Stage:
    return parsed(label, Stage, text)


def _pause(form: FormData) -> PauseRequest:
    fields = {"reason": _required(form, "reason"), "until": _field(form, "until", moment_input)}
    return validated(PauseRequest, fields, LABELS)


def _escalate(form: FormData) -> EscalateRequest:
    return validated(EscalateRequest, {"to_stage": _field(form, "to_stage", _stage)}, LABELS)


def _payment(form: FormData) -> PaymentRequest:
    fields = {
        "amount": amount_input(LABELS["amount"], _required(form, "amount")),
        "paid_on": day_input(LABELS["paid_on"], _required(form, "paid_on")),
        "reference": _text(form, "reference"),
    }
    return validated(PaymentRequest, fields, LABELS)


def _promise(form: FormData) -> PromiseRequest:
    fields = {
        "amount": amount_input(LABELS["amount"], _required(form, "amount")),
        "by": day_input(LABELS["by"], _required(form, "by")),
    }
    return validated(PromiseRequest, fields, LABELS)


def _dispute(form: FormData) -> DisputeRequest:
    fields = {"open": _text(form, "open") != "false", "reason": _required(form, "reason")}
    return validated(DisputeRequest, fields, LABELS)


def _filing(form: FormData) -> FilingDecision:
    approve = _text(form, "approve") == "true"
    reason = _text(form, "reason")
    if not approve and not reason:
        raise BadOption(LABELS["reason"], "requis pour rejeter")
    return validated(FilingDecision, {"approve": approve, "reason": reason}, LABELS)


def _insolvency(form: FormData) -> InsolvencyDeclared:
    fields = {
        "opened_on": day_input(LABELS["opened_on"], _required(form, "opened_on")),
        "kind": parsed(LABELS["kind"], InsolvencyKind, _required(form, "kind")),
        "court": _required(form, "court"),
        "bodacc_published_on": _field(form, "bodacc_published_on", day_input),
        "mandataire": _text(form, "mandataire"),
    }
    return validated(InsolvencyDeclared, fields, LABELS)


def _declaration_sent(form: FormData) -> ClaimDeclarationSent:
    fields = {
        "sent_on": day_input(LABELS["sent_on"], _required(form, "sent_on")),
        "reference": _text(form, "reference"),
    }
    return validated(ClaimDeclarationSent, fields, LABELS)


# Command name in the URL -> (the case's update, the request built from the form; send_command
# signs it with the user).
COMMANDS: dict[str, tuple[Any, Callable[[FormData], Command]]] = {
    "pause": (InvoiceCollectionWorkflow.pause, _pause),
    "resume": (InvoiceCollectionWorkflow.resume, lambda form: ResumeRequest()),
    "escalate": (InvoiceCollectionWorkflow.escalate, _escalate),
    "payment": (InvoiceCollectionWorkflow.record_payment, _payment),
    "promise": (InvoiceCollectionWorkflow.promise_to_pay, _promise),
    "dispute": (InvoiceCollectionWorkflow.dispute, _dispute),
    "filing": (InvoiceCollectionWorkflow.decide_filing, _filing),
    "insolvency": (InvoiceCollectionWorkflow.declare_insolvency, _insolvency),
    "declaration-sent": (InvoiceCollectionWorkflow.declaration_sent, _declaration_sent),
}


@router.post("/cases/{case_id}/{command}")
async def case_command(request: Request, case_id: str, command: str, user: Steerer) -> Response:
    """One command of an agent; the user's name and id go into the request, so into the workflow's
    history and the case journal."""
    form = await checked_form(request, user)
    page = f"/cases/{case_id}"
    if command not in COMMANDS:
        raise NotFound("Commande inconnue", command)
    update, build = COMMANDS[command]
    try:
        command_request = build(form)
    except BadOption as error:
        # Checked against its bounds (models/bounds.py) before it is sent: the page again, with why.
        return await _case_page(request, case_id, status_code=400, refusal=f"refusé : {error}")
    try:
        result = await send_command(
            request.app.state.backoffice.client, case_id, update, command_request, by=user
        )
    except CommandRefused as refusal:
        return redirect_with_message(page, str(refusal))
    return redirect_with_message(page, result.message)
