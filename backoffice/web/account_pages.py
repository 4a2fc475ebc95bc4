"""The debtor's page: every invoice of one creditor and one debtor, the payments on the account and
their splits, and a payment split by Code civil 1342-10, shown, then confirmed."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import FormData

from backoffice.account_statements import draw_statement, statement_file_name, statement_pdf
from backoffice.accounts import SignedIn
from backoffice.commands import CommandRefused
from backoffice.debtor_accounts import (
    AccountNotFound,
    AccountRef,
    account_view,
    find_account,
    pay_account,
    preview_payment,
)
from backoffice.inputs import BadOption, amount_input, day_input, today
from backoffice.web.access import Permission, checked_form, requires
from backoffice.web.rendering import NotFound, redirect_with_message, render
from config.case_id_key import case_id_key
from law.imputation import PRINCIPAL_ONLY
from models.debtor_accounts import AccountPaymentRequest, ImputedPart

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
    )


@router.get("/accounts/{account_or_case_id}")
async def account_page(request: Request, account_or_case_id: str, user: Reader) -> Response:
    """The account an id names, or the account of a case."""
    return await _page(request, await _account(request, account_or_case_id))


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
        return await _page(request, account, status_code=400, refusal=f"refusé : {error.french}")
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
        return await _page(request, account, status_code=400, refusal=f"refusé : {error.french}")
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
