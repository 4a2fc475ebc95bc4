"""One creditor and one debtor, one durable account: it knows the cases of their invoices and
records the payments made on it, each split by Code civil 1342-10 and each case given its part once.

The account is started by the first command that needs it (update-with-start, under the opaque id
of ``models.case_ids.account_id_for``) and runs as long as its creditor and debtor have business.
Each payment adds a few events to its history (the update, one activity per invoice paid): when
Temporal suggests it, the account continues as new with what it knows.
"""

from __future__ import annotations

from decimal import Decimal

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.debtor_accounts import DebtorAccountActivities
    from models.commands import PaymentRequest
    from models.debtor_accounts import (
        AccountInput,
        AccountPayment,
        AccountPaymentRequest,
        AccountPaymentResult,
        AccountStatus,
        CaseBalances,
        CasePayment,
        split_payment,
    )
    from support.french import money_fr

    # Passed through like the modules above: imported here first, it would bring the models it
    # imports into the sandbox as copies the case workflow's passed-through models do not match.
    from workflows.common import LEDGER_ACTIVITY, CommandRefused

from workflows.account_commands import AccountCommands
from workflows.account_filing import AccountFiling
from workflows.account_sending import AccountSending


@workflow.defn
class DebtorAccountWorkflow(AccountSending, AccountFiling, AccountCommands):
    @workflow.init
    def __init__(self, account: AccountInput) -> None:
        self._account_id = account.account_id
        self._case_ids = list(account.case_ids)
        self._payments = {payment.payment_id: payment for payment in account.payments}
        self._under_way: set[str] = set()
        # Grouped sending (workflows/account_sending.py): the steps waiting for their slot, the
        # requests answered, the invoices heard of and what was sent.
        self._pending = {request.request_id: request for request in account.pending}
        self._arrivals = 0
        self._answered = set(account.answered)
        self._cases = {case.case_id: case for case in account.cases}
        self._communications = list(account.communications)
        # One filing per debtor (workflows/account_filing.py): the dossiers waiting for their
        # approval, and those filed.
        self._dossiers = {dossier.dossier_key: dossier for dossier in account.dossiers}
        self._filings = list(account.filings)

    @workflow.run
    async def run(self, account: AccountInput) -> None:
        while True:
            await workflow.wait_condition(
                lambda: (
                    bool(self._pending)
                    or self._decided_dossier() is not None
                    or (workflow.info().is_continue_as_new_suggested() and workflow.all_handlers_finished())
                )
            )
            if (dossier := self._decided_dossier()) is not None:
                await self._file_decided(dossier)
            elif self._pending:
                await self._send_next_slot()
            else:
                break
        workflow.continue_as_new(self._state())

    def _state(self) -> AccountInput:
        return AccountInput(
            account_id=self._account_id,
            case_ids=self._case_ids,
            payments=list(self._payments.values()),
            pending=list(self._pending.values()),
            answered=sorted(self._answered),
            cases=list(self._cases.values()),
            communications=self._communications,
            dossiers=list(self._dossiers.values()),
            filings=self._filings,
        )

    @workflow.query
    def status(self) -> AccountStatus:
        return AccountStatus(
            account_id=self._account_id,
            case_ids=self._case_ids,
            payments=list(self._payments.values()),
            communications=self._communications,
            waiting=[(r.case_id, r.step.key, r.slot) for r in self._pending.values()],
            filings=self._filings,
        )

    @workflow.update
    async def pay(self, request: AccountPaymentRequest) -> AccountPaymentResult:
        """Record a payment on the account: its split checked against the cases' balances now,
        then each case's part sent under its own key. The same payment again sends only the parts
        not recorded yet."""
        self._under_way.add(request.payment_id)
        try:
            payment = self._payments.get(request.payment_id) or await self._accepted(request)
            for part in payment.split:
                if part.case_id in payment.sent:
                    continue
                payment = await self._send_part(payment, request, part.case_id, part.amount)
        finally:
            self._under_way.discard(request.payment_id)
        return AccountPaymentResult(message=self._outcome(payment), payment=payment)

    @pay.validator
    def _validate_pay(self, request: AccountPaymentRequest) -> None:
        if request.payment_id in self._under_way:
            raise CommandRefused("ce paiement est en cours d'enregistrement")
        if not request.split and request.payment_id not in self._payments:
            raise CommandRefused("aucune facture du compte ne reçoit ce paiement")

    async def _accepted(self, request: AccountPaymentRequest) -> AccountPayment:
        """The payment with its split, once the cases' balances now give the split shown."""
        for case in request.cases:
            self._cases.setdefault(case.case_id, case)
            if case.case_id not in self._case_ids:
                self._case_ids.append(case.case_id)
        invoices = await workflow.execute_activity_method(
            DebtorAccountActivities.case_balances, CaseBalances(cases=request.cases), **LEDGER_ACTIVITY
        )
        try:
            split = split_payment(request.amount, request.paid_on, invoices, request.named)
        except ValueError as error:
            raise CommandRefused(str(error)) from None
        if split != request.split:
            raise CommandRefused(
                "les soldes du compte ont changé depuis la répartition affichée : affichez-la de nouveau"
            )
        payment = AccountPayment(
            payment_id=request.payment_id,
            amount=request.amount,
            paid_on=request.paid_on,
            reference=request.reference,
            named=request.named,
            recorded_by=request.agent,
            recorded_at=workflow.now(),
            split=split,
        )
        self._payments[payment.payment_id] = payment
        return payment

    async def _send_part(
        self, payment: AccountPayment, request: AccountPaymentRequest, case_id: str, amount: Decimal
    ) -> AccountPayment:
        """One case's part, under the key of this payment and this case: recorded once."""
        part = CasePayment(
            case_id=case_id,
            key=f"{self._account_id}/{payment.payment_id}/{case_id}",
            payment=PaymentRequest(
                amount=amount,
                paid_on=payment.paid_on,
                reference=payment.reference,
                agent=request.agent,
                agent_id=request.agent_id,
            ),
        )
        try:
            await workflow.execute_activity_method(DebtorAccountActivities.pay_case, part, **LEDGER_ACTIVITY)
        except ActivityError as error:
            cause = error.cause
            why = cause.message if isinstance(cause, ApplicationError) else str(cause or error)
            update = {"refused": {**payment.refused, case_id: why}}
        else:
            refused = {key: why for key, why in payment.refused.items() if key != case_id}
            update = {"sent": [*payment.sent, case_id], "refused": refused}
        payment = payment.model_copy(update=update)
        self._payments[payment.payment_id] = payment
        return payment

    def _outcome(self, payment: AccountPayment) -> str:
        amount = money_fr(payment.amount)
        if payment.complete:
            parts = len(payment.split)
            return f"paiement de {amount} enregistré, réparti sur {parts} facture{'s' if parts > 1 else ''}"
        numbers = {part.case_id: part.invoice_number for part in payment.split}
        refused = " ; ".join(f"facture {numbers[key]} : {why}" for key, why in payment.refused.items())
        return f"paiement de {amount} enregistré en partie ; parts refusées : {refused}"
