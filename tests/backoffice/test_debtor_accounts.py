"""What both doors say of a debtor's account's communications and filings: each in French, its
documents, and the steps waiting for the next send slot."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from backoffice.debtor_accounts import (
    AccountRef,
    AccountView,
    account_documents,
    communication_fr,
    filing_fr,
    sent_documents,
    waiting_fr,
)
from models.court import BailiffDeliveryReceipt
from models.debtor_accounts import AccountCase
from models.documents import DocumentRef
from models.enums import Channel, LabelColour, Stage
from models.grouped_sending import GroupedSending
from models.mail import RegisteredLetterReceipt
from tests.fixtures.communications import grouped_filing

LETTER = DocumentRef(path="/var/documents/account-x/2026-03-03-formal_notice.pdf", sha256="a" * 64)
STATEMENT = DocumentRef(path="/var/documents/account-x/releve-de-compte-2026-03-03.pdf", sha256="b" * 64)
# 8:30 UTC is 9:30 in Paris in winter.
SENT_AT = datetime(2026, 3, 3, 8, 30, tzinfo=UTC)


def sending(**changes: object) -> GroupedSending:
    values = {
        "communication_key": "2026-03-03T08:00-formal_notice",
        "stage": Stage.FORMAL_NOTICE,
        "channel": Channel.REGISTERED_LETTER,
        "label": LabelColour.RED,
        "document": LETTER,
        "enclosures": [STATEMENT],
        "receipt": RegisteredLetterReceipt(provider="outbox", tracking_id="LR-77", sent_at=SENT_AT),
        "sent_at": SENT_AT,
        "invoice_numbers": ["A-1", "A-2"],
        "case_ids": ["case-1", "case-2"],
    }
    return GroupedSending.model_validate({**values, **changes})


def view(communications: list[GroupedSending], waiting: list[tuple[str, str, datetime]]) -> AccountView:
    cases = [
        AccountCase(case_id="case-1", invoice_number="A-1", due_date=date(2026, 1, 5)),
        AccountCase(case_id="case-2", invoice_number="A-2", due_date=date(2026, 1, 20)),
    ]
    ref = AccountRef("account-x", "Menuiserie Dupont", "Bâtiments Martin", cases, Decimal("900.00"))
    return AccountView(ref, [], [], communications, waiting)


def test_a_communication_is_said_in_french_with_its_stage_channel_label_invoices_and_tracking() -> None:
    assert communication_fr(sending()) == (
        "3 mars 2026 à 9 h 30 : mise en demeure par lettre recommandée, label rouge, "
        "factures A-1 et A-2 (envoi n° LR-77, outbox)"
    )
    by_email = sending(
        stage=Stage.AMICABLE_REMINDER,
        channel=Channel.EMAIL,
        label=LabelColour.ORANGE,
        receipt=None,
        invoice_numbers=["A-1"],
    )
    assert (
        communication_fr(by_email)
        == "3 mars 2026 à 9 h 30 : relance amiable par courriel, label orange, facture A-1"
    )


def test_the_documents_sent_and_the_steps_waiting_for_the_next_slot() -> None:
    slot = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)
    second = sending(document=DocumentRef(path="/var/documents/account-x/second.pdf", sha256="c" * 64))
    account = view([sending(), second], [("case-2", "first_reminder", slot), ("case-9", "own_step", slot)])
    assert sent_documents(account) == [LETTER, STATEMENT, second.document, STATEMENT]
    assert waiting_fr(account) == [
        "facture A-2 : premier rappel, au prochain envoi le 4 mars 2026 à 9 h 00",
        # A case the account's invoices do not list (yet) is named by its id.
        "facture case-9 : own step, au prochain envoi le 4 mars 2026 à 9 h 00",
    ]


def test_a_filing_is_said_in_french_with_its_route_court_invoices_amount_approval_and_delivery(
    tmp_path: Path,
) -> None:
    emailed = BailiffDeliveryReceipt(channel="email", reference="<d-1@relance>", delivered_at=SENT_AT)
    filing = grouped_filing(tmp_path, "account-x", {"A-1": "case-1"}, emailed)
    small = filing.model_copy(
        update={
            "dossier": filing.dossier.model_copy(update={"route": "small_claims"}),
            "decision": filing.decision.model_copy(update={"court": "tribunal_judiciaire"}),
        }
    )
    assert filing_fr(small) == (
        "saisine du 1er décembre 2026 : procédure simplifiée de recouvrement des petites créances "
        "devant le tribunal judiciaire, facture A-1, 6\u202f080,00\xa0€ réclamés, approuvée par bob, "
        "remise au commissaire de justice par courriel le 3 mars 2026 à 9 h 30 (message <d-1@relance>)"
    )
    # What an agent may download: what the account sent, then its dossiers' PDFs only.
    account = replace(view([sending()], []), filings=[filing])
    assert account_documents(account) == [LETTER, STATEMENT, *filing.dossier.files[:3]]
