"""The penalty statement ("justificatif de calcul"): what its template sees, the warning printed when
the rate tables stop short of the statement's end, and the bookkeeper's ledger lines as CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from activities.rendering.templates import debtor_flags
from config.accounts import Accounts
from law.rates import half_year_fr
from models.enums import DebtorKind
from models.penalties import StatementRequest
from support.french import date_fr

STATEMENT_TEMPLATE = "penalty_statement.html.j2"
_HALF_YEAR = re.compile(r"^\d{4}-H[12]$")
LEDGER_COLUMNS = ("date", "account", "label", "debit", "credit")
ZERO = Decimal("0.00")


def rates_pending_warning(covered_until: date) -> str:
    """Why a statement stops at ``covered_until``, and that interest does not (in French: it is printed)."""
    next_day = covered_until + timedelta(days=1)
    return (
        f"Intérêts arrêtés au {date_fr(covered_until)} : le taux applicable au {half_year_fr(next_day)} "
        "ne figure pas encore dans les tables de taux ; les intérêts continuent "
        "de courir au-delà de cette date, jusqu'au complet paiement."
    )


def rates_unpublished_warning(first_late_day: date) -> str:
    """Why a statement claims no interest yet though the invoice is late (in French: it is printed)."""
    return (
        f"Intérêts non encore chiffrés : le taux applicable au {half_year_fr(first_late_day)} ne figure pas "
        f"encore dans les tables de taux ; ils courent depuis le {date_fr(first_late_day)} jusqu'au complet "
        "paiement et seront décomptés dès sa publication."
    )


def ledger_csv(request: StatementRequest, accounts: Accounts) -> bytes:
    """The entry booking what the statement claims: the customer debited, income credited.

    Amounts are decimal strings with a dot; debits equal credits. Zero amounts give no line.
    """
    statement = request.statement
    reference = f"facture {request.invoice_number} — {request.debtor_name}"
    credits = [
        (accounts.interest, f"Intérêts de retard, {reference}", statement.interest),
        (
            accounts.indemnity,
            f"Indemnité forfaitaire pour frais de recouvrement, {reference}",
            statement.indemnity,
        ),
        (accounts.indemnity, f"Frais de recouvrement justifiés, {reference}", statement.further_costs),
    ]
    claimed = "Pénalités" if request.debtor_kind is DebtorKind.BUSINESS else "Intérêts"
    lines = [(accounts.customer, f"{claimed} de retard, {reference}", statement.total, ZERO)]
    lines += [(account, label, ZERO, amount) for account, label, amount in credits]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LEDGER_COLUMNS)
    for account, label, debit, credit in lines:
        if debit or credit:
            writer.writerow([request.drawn_on.isoformat(), account, label, f"{debit:.2f}", f"{credit:.2f}"])
    return out.getvalue().encode("utf-8")


def statement_values(request: StatementRequest) -> dict[str, Any]:
    """What the statement template sees: the request's fields, the debtor's kind as a flag, the
    payments before and during the case, and the engine's warnings with their half-years in words."""
    statement = request.statement
    invoice_amount = request.invoice_amount
    return {
        **dict(request),
        **debtor_flags(request.debtor_kind),
        "paid_before": invoice_amount - request.principal if invoice_amount is not None else ZERO,
        "paid_since": request.principal - statement.balance_at_end,
        "warnings": [warning_fr(warning) for warning in statement.warnings],
    }


def warning_fr(warning: str) -> str:
    """A warning of the penalty engine as the statement prints it: ``"2024-H1: le taux…"`` becomes
    ``"Premier semestre 2024 : le taux…"`` (the code is the letters' key, not a reader's word)."""
    head, separator, text = warning.partition(": ")
    if not separator or not _HALF_YEAR.match(head):
        return warning
    first_day = date(int(head[:4]), 1 if head.endswith("1") else 7, 1)
    return f"{half_year_fr(first_day).capitalize()} : {text}"
