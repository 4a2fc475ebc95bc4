"""What the case says of itself (part of ``InvoiceCollectionWorkflow``): the status its query and
its commands return, what it waits for, and the search attributes it publishes."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.attention import needs_of
    from models.enums import CaseState
    from models.search_attributes import NextAction, search_attribute_changes
    from models.status import CaseStatus, CommandResult
    from support.french import date_fr, moment_fr, money_fr


class CaseStatusReport:
    """Mixed into the case workflow: reads its state, never changes it."""

    def _result(self, message: str) -> CommandResult:
        return CommandResult(message=message, status=self._status())

    def _status(self) -> CaseStatus:
        steps = self._case.policy.steps
        upcoming = None
        # Under collective proceedings no step is ahead (Code de commerce L622-21).
        if not self._state.is_closed and self._insolvency is None and self._next_index < len(steps):
            upcoming = steps[self._escalate_to if self._escalate_to is not None else self._next_index]
        return CaseStatus(
            case_id=self._case.case_id,
            invoice_number=self._case.invoice.number,
            creditor_name=self._case.creditor.name,
            debtor_name=self._case.debtor.name,
            state=self._state,
            stage=self._stage,
            balance=self._balance,
            currency=self._case.invoice.currency,
            paused=self._state == CaseState.PAUSED,
            pause_reason=self._pause_reason,
            pause_until=self._pause_until,
            next_action=upcoming.key if upcoming else None,
            next_action_at=self._next_at if upcoming else None,
            actions=list(self._actions),
            payments=list(self._payments),
            waiting_for=self._waiting_for(),
            dispute_reason=self._dispute_reason,
            promise=self._promise,
            recovered=self._recovered,
            costs=list(self._costs),
            prescription_ends_on=self._prescription.ends_on if self._prescription else None,
            held_by_case=self._held_by_case and self._state == CaseState.PAUSED,
            approval_pending=self._approval_pending,
            filing_requested_by=self._filing_requested_by if self._approval_pending else None,
            prescription_warned=self._prescription_warned and not self._state.is_closed,
            insolvency=self._insolvency,
            interest_start=self._interest_start,
        )

    def _waiting_for(self) -> str | None:
        """What the case waits for from a person or from outside, most pressing first."""
        waits = []
        proceedings = self._proceedings_wait()
        if proceedings is not None:
            waits.append(proceedings)
        if self._approval_pending:
            who = "un superviseur" if self._supervisor_asked else "un autre agent"
            waits.append(
                f"la validation, par {who}, de la saisine judiciaire demandée par {self._filing_requested_by}"
            )
        if self._dispute_reason is not None:
            waits.append(f"le règlement du litige ({self._dispute_reason})")
        if self._promise is not None:
            promise = self._promise
            amount = money_fr(promise.amount, self._case.invoice.currency)
            waits.append(f"le paiement promis de {amount} au plus tard le {date_fr(promise.by)}")
        asked = self._awaiting_account
        if asked is not None and asked.claim is not None:
            formed = moment_fr(asked.slot)
            waits.append(f"le dossier judiciaire commun du compte du débiteur, formé le {formed}")
        elif asked is not None:
            waits.append(f"l'envoi groupé du compte du débiteur, prévu le {moment_fr(asked.slot)}")
        if self._awaiting_letter is not None:
            waits.append(f"l'issue de la lettre recommandée de mise en demeure {self._awaiting_letter}")
        if self._state == CaseState.WITH_BAILIFF:
            waits.append("les comptes rendus du commissaire de justice")
        if self._prescription_warned and self._prescription is not None and not self._state.is_closed:
            ends_on = date_fr(self._prescription.ends_on)
            waits.append(
                f"une saisine du tribunal ou une reconnaissance de la dette avant la prescription, "
                f"le {ends_on}"
            )
        return " ; ".join(waits) or None

    def _publish_search_attributes(self) -> None:
        if not self._publishes_search_attributes:
            return
        status = self._status()
        changes = search_attribute_changes(
            workflow.info().typed_search_attributes,
            state=self._state,
            stage=self._stage,
            balance=self._balance,
            due_date=self._case.invoice.due_date,
            creditor_siren=self._case.creditor.siren,
            paused=self._state == CaseState.PAUSED,
            disputed=self._dispute_reason is not None,
            needs_person=bool(needs_of(status)) if self._publishes_needs else None,
            next_action=(
                NextAction(status.next_action, status.next_action_at) if self._publishes_next_action else None
            ),
        )
        if changes:
            workflow.upsert_search_attributes(changes)
