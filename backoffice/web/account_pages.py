"""The debtor's page: every invoice of one creditor and one debtor, the payments on the account and
their splits, what the account sent and the dossiers it filed, a payment split by Code civil
1342-10, shown, then confirmed, and a pause, a resume or a promise given on the account for all its
open cases."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import FormData

from activities.account_statements import statement_pdf
from backoffice.account_statements import draw_statement, statement_file_name
from backoffice.accounts import SignedIn
from backoffice.commands import CommandRefused
from backoffice.debtor_accounts import (
    AccountNotFound,
    AccountRef,
    AccountView,
    account_documents,
    account_view,
    command_account,
    communication_fr,
    filed_documents,
    filing_fr,
    find_account,
    new_command_id,
    pay_account,
    preview_payment,
    waiting_fr,
)
from backoffice.inputs import BadOption, amount_input, day_input, moment_input, today, validated
from backoffice.web.access import Permission, checked_form, requires
from backoffice.web.case_pages import LABELS
from backoffice.web.documents import document_response, files_present
from backoffice.web.rendering import NotFound, redirect_with_message, render
from config.case_id_key import case_id_key
from law.imputation import PRINCIPAL_ONLY
from models.account_commands import (
    AccountCommand,
    AccountPauseRequest,
    AccountPromiseRequest,
    AccountResumeRequest,
)
from models.debtor_accounts import AccountPaymentRequest, ImputedPart
from workflows import DebtorAccountWorkflow

router = APIRouter()
Reader = Annotated[SignedIn, Depends(requires(Permission.READ))]
Steerer = Annotated[SignedIn, Depends(requires(Permission.STEER))]
SPLIT = TypeAdapter(list[ImputedPart])


async def _account(request: Request, account_or_case_id: str) -> AccountRef:
    backoffice = request.app.state.backoffice
    try:
        return await find_account(backoffice.database, case_id_key(backoffice.settings), account_or_case_id)
    except AccountNotFound as error:
        raise NotFound("Compte introuvable", str(error)) from error


async def _page(
    request: Request,
    account: AccountRef,
    status_code: int = 200,
    refusal: str = "",
    preview: AccountPaymentRequest | None = None,
) -> Response:
    try:
        view = await account_view(request.app.state.backoffice.client, account)
    except CommandRefused as error:
        raise NotFound("Compte introuvable", str(error)) from error
    return await render(
        request,
        "account.html",
        status_code=status_code,
        **({"flash": refusal} if refusal else {}),
        view=view,
        preview=preview,
        split_json=SPLIT.dump_json(preview.split).decode() if preview else "",
        principal_only=PRINCIPAL_ONLY,
        today=today(),
        # One key per form shown: the form sent twice is one command (workflows/account_commands.py).
        command_id=new_command_id(),
        **await _sent_and_filed(view),
    )


async def _sent_and_filed(view: AccountView) -> dict[str, Any]:
    """What the page shows of the account's communications and filings: each in French with its
    documents (linked while their file is there), and the steps waiting for the next send slot."""
    return {
        "communications": [(sending, communication_fr(sending)) for sending in view.communications],
        "filings": [(filing_fr(filing), filed_documents(filing)) for filing in view.filings],
        "documents_on_disk": await files_present(d.path for d in account_documents(view)),
        "waiting": waiting_fr(view),
    }


@router.get("/accounts/{account_or_case_id}")
async def account_page(request: Request, account_or_case_id: str, user: Reader) -> Response:
    """The account an id names, or the account of a case."""
    return await _page(request, await _account(request, account_or_case_id))


@router.get("/accounts/{account_or_case_id}/documents/{sha256}")
async def account_document(request: Request, account_or_case_id: str, sha256: str, user: Reader) -> Response:
    """A document the account sent (a grouped letter, what it joined) or a PDF of a dossier it
    filed, served only from the data folder."""
    account = await _account(request, account_or_case_id)
    try:
        view = await account_view(request.app.state.backoffice.client, account)
    except CommandRefused as error:
        raise NotFound("Compte introuvable", str(error)) from error
    document = next((d for d in account_documents(view) if d.sha256 == sha256), None)
    data_dir = request.app.state.backoffice.settings.data_dir
    response = await document_response(data_dir, document.path) if document else None
    if response is None:
        raise NotFound("Document introuvable", f"{account.account_id}: {sha256}")
    return response


@router.get("/accounts/{account_or_case_id}/statement")
async def account_statement(request: Request, account_or_case_id: str, user: Reader) -> Response:
    """The statement of account as at today, a PDF to download."""
    account = await _account(request, account_or_case_id)
    backoffice = request.app.state.backoffice
    try:
        drawn = await draw_statement(
            backoffice.client, backoffice.database, backoffice.settings, account, today()
        )
    except CommandRefused as error:
        raise NotFound("Relevé de compte impossible", str(error)) from error
    return Response(
        await statement_pdf(backoffice.settings, drawn),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{statement_file_name(drawn)}"'},
    )


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


async def _preview(request: Request, account: AccountRef, form: FormData) -> AccountPaymentRequest:
    """The payment the form describes, with its split on the balances now; ``BadOption`` or
    ``CommandRefused`` saying why not."""
    amount = amount_input("montant", _text(form, "amount"))
    paid_on = day_input("date", _text(form, "paid_on") or today().isoformat())
    named = [number for number in _text(form, "invoices").replace(",", " ").split() if number]
    return await preview_payment(
        request.app.state.backoffice.client,
        account,
        amount=amount,
        paid_on=paid_on,
        reference=_text(form, "reference"),
        named=named,
    )


@router.post("/accounts/{account_id}/payment/preview")
async def payment_preview(request: Request, account_id: str, user: Steerer) -> Response:
    """The split the payment would have, shown with the form that confirms it."""
    form = await checked_form(request, user)
    account = await _account(request, account_id)
    try:
        preview = await _preview(request, account, form)
    except BadOption as error:
        return await _page(request, account, status_code=400, refusal=f"refusé : {error}")
    except CommandRefused as error:
        return await _page(request, account, status_code=400, refusal=f"refusé : {error}")
    return await _page(request, account, preview=preview)


@router.post("/accounts/{account_id}/payment")
async def payment_confirmed(request: Request, account_id: str, user: Steerer) -> Response:
    """The payment confirmed with the split shown: the account refuses it if the balances give
    another one now."""
    form = await checked_form(request, user)
    account = await _account(request, account_id)
    page = f"/accounts/{account.account_id}"
    try:
        preview = await _preview(request, account, form)
        shown = SPLIT.validate_python(json.loads(_text(form, "split") or "[]"))
    except BadOption as error:
        return await _page(request, account, status_code=400, refusal=f"refusé : {error}")
    except (CommandRefused, ValidationError, ValueError) as error:
        return redirect_with_message(page, f"refusé : {error}")
    backoffice = request.app.state.backoffice
    try:
        result = await pay_account(
            backoffice.client,
            backoffice.settings.temporal_task_queue,
            account.account_id,
            preview.model_copy(update={"split": shown}),
            user,
        )
    except CommandRefused as refusal:
        return redirect_with_message(page, str(refusal))
    return redirect_with_message(page, result.message)


# --- commands given on the account for all its open cases ------------------------------------------


def _pause(form: FormData) -> dict[str, Any]:
    reason, until = _text(form, "reason"), _text(form, "until")
    if not reason:
        raise BadOption(LABELS["reason"], "requis")
    return {"reason": reason, "until": moment_input(LABELS["until"], until) if until else None}


def _promise(form: FormData) -> dict[str, Any]:
    amount = _text(form, "amount")
    return {
        "by": day_input(LABELS["by"], _text(form, "by")),
        "amount": amount_input(LABELS["amount"], amount) if amount else None,
    }


# Command name in the URL -> (the account's update, its request, the request's fields from the form).
ACCOUNT_COMMANDS: dict[str, tuple[Any, type[AccountCommand], Callable[[FormData], dict[str, Any]]]] = {
    "pause": (DebtorAccountWorkflow.pause_cases, AccountPauseRequest, _pause),
    "resume": (DebtorAccountWorkflow.resume_cases, AccountResumeRequest, lambda form: {}),
    "promise": (DebtorAccountWorkflow.promise_for_cases, AccountPromiseRequest, _promise),
}


@router.post("/accounts/{account_id}/commands/{command}")
async def account_command(request: Request, account_id: str, command: str, user: Steerer) -> Response:
    """A pause, a resume or a promise given on the account: each open case takes it once, or says
    why it refuses; the page then says which did."""
    form = await checked_form(request, user)
    if command not in ACCOUNT_COMMANDS:
        raise NotFound("Commande inconnue", command)
    account = await _account(request, account_id)
    update, model, fields = ACCOUNT_COMMANDS[command]
    try:
        command_id = _text(form, "command_id") or new_command_id()
        account_request = validated(model, {**fields(form), "command_id": command_id}, LABELS)
    except BadOption as error:
        return await _page(request, account, status_code=400, refusal=f"refusé : {error}")
    backoffice = request.app.state.backoffice
    page = f"/accounts/{account.account_id}"
    try:
        result = await command_account(
            backoffice.client, backoffice.settings.temporal_task_queue, account, update, account_request, user
        )
    except CommandRefused as refusal:
        return redirect_with_message(page, str(refusal))
    return redirect_with_message(page, result.message)
