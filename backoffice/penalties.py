"""The penalty calculator's input rules: the options an agent types, turned into the request the
penalty engine (``law.penalties``) computes on, each refusal naming the option to correct."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from backoffice.inputs import BadOption, parsed, validated
from law.penalties import PenaltyRequest, PenaltyStatement, compute_penalties
from law.penalty_rates import check_contract_rate_allowed
from law.rates import RateNotKnown, RateTables
from models.bounds import rate_from_text
from models.enums import DebtorKind
from support.parsing import parse_amount, parse_date, quoted

# The request field each option fills: an error names the option to correct.
PENALTY_OPTIONS = {
    "principal": "--amount",
    "due_date": "--due",
    "until": "--until",
    "debtor_kind": "--debtor",
    "contract_rate_percent": "--contract-rate",
    "notice_date": "--notice",
    "payments": "--payment",
    "further_costs": "--further-costs",
}


def parse_payment(text: str) -> tuple[date, Decimal]:
    """``DATE:AMOUNT``: ``2026-03-15:400`` or ``15/03/2026:400,00``."""
    day, separator, amount = text.partition(":")
    if not separator:
        raise ValueError(f"{quoted(text)} n'est pas de la forme DATE:MONTANT (par exemple 15/03/2026:400,00)")
    return parse_date(day), parse_amount(amount)


def penalty_request(
    amount: str,
    due: str,
    until: str,
    debtor: str,
    contract_rate: str | None,
    notice: str | None,
    payments: list[str],
    further_costs: str,
) -> PenaltyRequest:
    """The request the options describe, or ``BadOption`` naming the first option to correct."""
    if debtor not in {kind.value for kind in DebtorKind}:
        raise BadOption("--debtor", f"{quoted(debtor)} n'est ni business, ni consumer, ni public")
    if contract_rate is not None:
        try:
            check_contract_rate_allowed(DebtorKind(debtor))
        except ValueError as error:
            raise BadOption("--contract-rate", str(error)) from error
    fields = {
        "principal": parsed("--amount", parse_amount, amount),
        "due_date": parsed("--due", parse_date, due),
        "until": parsed("--until", parse_date, until),
        "debtor_kind": debtor,
        "contract_rate_percent": parsed("--contract-rate", rate_from_text, contract_rate)
        if contract_rate
        else None,
        "notice_date": parsed("--notice", parse_date, notice) if notice else None,
        "payments": [parsed("--payment", parse_payment, text) for text in payments],
        "further_costs": parsed("--further-costs", parse_amount, further_costs),
    }
    return validated(PenaltyRequest, fields, PENALTY_OPTIONS)


def penalty_statement(request: PenaltyRequest, rates: RateTables) -> PenaltyStatement:
    """The statement of ``request``; a late day beyond the rate tables is ``BadOption`` naming the
    end they miss: ``--until`` past the last rate known, else ``--due``."""
    try:
        return compute_penalties(request, rates)
    except RateNotKnown as error:
        covered = rates.covered_until()
        option = "--until" if covered is not None and request.until > covered else "--due"
        raise BadOption(option, f"au-delà des tables de taux : {error.french}") from error
