"""Stored histories replay against today's workflow code.

``tests/fixtures/histories/*.json`` are real histories of earlier versions of the workflow
(recorded with ``RELANCE_RECORD_HISTORIES=1 pytest tests/workflows/test_invoice_collection.py``). A
change to the workflow that alters what a history replays to must keep them replaying
(``workflow.patched``): never re-record a history to make this test pass.
"""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowHistory

from backoffice.audit import replay_history
from tests.fixtures.temporal import HISTORIES, converter_for_tests

HISTORIES = {
    path.stem: path.read_text(encoding="utf-8")
    for path in HISTORIES.glob("*.json")
}


def test_histories_are_stored() -> None:
    assert set(HISTORIES) >= {
        "full_ladder",
        "full_ladder_with_penalties",
        "full_ladder_four_eyes",
        "four_eyes_approval",
        "partial_payments",
        "pause_until",
        "escalations",
        # Since the judicial route: proof of receipt, court decision, commissaire de justice.
        "full_ladder_to_bailiff",
        "four_eyes_to_bailiff",
        "judicial_route_recovered",
        "notice_refused",
        "notice_not_claimed",
        "proof_of_receipt_missing",
        "dispute_then_filing",
        "prescribed_claim",
        # Since the cases publish search attributes.
        "published_search_attributes",
        "promise_broken",
        "needs_person_published",
        # Since the cases publish the step they take next.
        "next_action_published",
        # Since a small claim waits for the rates of today.
        "route_waits_for_rates",
        # Since collective proceedings stop the ladder and the claim is declared.
        "insolvency_declared",
        # Since a step refused for want of a signatory reads the parties again once resumed, and an
        # agency's first letter states the interest and accessories accrued.
        "signatory_given_after_a_hold",
        "agency_first_letter_penalties",
        # Since a consumer's interest runs from the formal notice's receipt.
        "consumer_interest_from_receipt",
        # Since the signed order is its own exhibit, or said to follow when the policy allows it.
        "order_document_exhibit",
        "order_to_be_produced",
        # The debtor's account (workflows/debtor_account.py): a payment split on three cases.
        "debtor_account_payment",
        # Since a case sends through its debtor's account: a grouped formal notice, from the case
        # and from the account that sent it with the two reminders before it.
        "grouped_formal_notice_case",
        "debtor_account_grouped_sending",
        # Since the account files the debtor's claims of one slot in one dossier, approved once:
        # a case of that dossier, and the account that filed it.
        "grouped_filing_case",
        "debtor_account_grouped_filing",
    }


@pytest.mark.parametrize("name", sorted(HISTORIES))
async def test_stored_history_replays_deterministically(name: str) -> None:
    history = WorkflowHistory.from_json(name, HISTORIES[name])
    outcome = await replay_history(history, converter_for_tests())
    assert outcome.deterministic, outcome.failure
