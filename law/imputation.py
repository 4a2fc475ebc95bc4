"""Imputation of one payment on several debts of one debtor to one creditor (Code civil 1342-10).

1342-10: the debtor of several debts may say, when paying, which one the payment settles. Failing
that, it goes first to the debts already due (*échues*); among them, to the one the debtor had most
interest in paying; all interest equal, to the oldest; all things equal, proportionally.

Between the invoices of one creditor the debtor's interest is the same kind for all of them: each
bears the same late-payment rate from its due date (Code de commerce L441-10 II, or the legal rate
for a consumer, Code civil 1231-6), so the one that has borne interest longest — the one due first —
is the one it costs most to leave unpaid. "Most interest" and "oldest" therefore both order the debts
by due date here; debts due the same day are equal in all things and share proportionally. Debts not
yet due come after every due one, in the same order.

1343-1: a partial payment of a debt bearing interest goes to the interest first. The cases keep
their balance in principal only (the penalties are claimed by statement, not added to the balance),
so each part is imputed on the invoice's principal; ``PRINCIPAL_ONLY`` says so on every split.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from itertools import groupby

from support.units import CENT


class ImputationRule(StrEnum):
    """Why a part went to an invoice."""

    # Code civil 1342-10 al. 1: the debtor named the invoice.
    NAMED = "named"
    # 1342-10 al. 2: a due invoice, the oldest first (most interest, then oldest).
    DUE_OLDEST = "due_oldest"
    # 1342-10 al. 2, last words: due the same day as others, all things equal: proportionally.
    DUE_PROPORTIONAL = "due_proportional"
    # 1342-10 al. 2: not yet due, after every due one, the earliest first.
    NOT_DUE = "not_due"


# Code civil 1343-1, as Relance applies it today (see the module's docstring).
PRINCIPAL_ONLY = (
    "imputation sur le principal de chaque facture : les dossiers ne portent pas les intérêts "
    "à leur solde (Code civil 1343-1, l'imputation sur les intérêts d'abord, n'est pas appliqué)"
)


@dataclass(frozen=True)
class Debt:
    """One invoice of the account as imputation sees it: its key (the case id), what is left to pay
    and when it fell or falls due."""

    key: str
    balance: Decimal
    due_date: date


@dataclass(frozen=True)
class Part:
    key: str
    amount: Decimal
    rule: ImputationRule


class Overpayment(ValueError):
    """More than every balance of the account together."""


def impute_payment(
    amount: Decimal, debts: Sequence[Debt], *, paid_on: date, named: Sequence[str] = ()
) -> list[Part]:
    """The parts of ``amount`` paid on ``paid_on``, by Code civil 1342-10: first the debts the
    debtor ``named`` (keys, in their order), then the due ones by due date, then those not yet
    due; debts due the same day share what is left of the payment in proportion to their balances.
    Each part is at most its debt's balance; ``Overpayment`` when the amount exceeds them all."""
    if amount <= 0:
        raise ValueError(f"a payment is more than zero, not {amount}")
    total = sum((debt.balance for debt in debts), Decimal("0.00"))
    if amount > total:
        raise Overpayment(f"{amount} exceeds the balances of the account ({total})")
    by_key = {debt.key: debt for debt in debts}
    unknown = [key for key in named if key not in by_key]
    if unknown:
        raise ValueError(f"named debts not in the account: {', '.join(unknown)}")
    parts: list[Part] = []
    left = amount
    for key in dict.fromkeys(named):
        part = min(left, by_key[key].balance)
        if part > 0:
            parts.append(Part(key, part, ImputationRule.NAMED))
            left -= part
    rest = [debt for debt in debts if debt.key not in named and debt.balance > 0]
    # Due first (a debt is due on its due date), then by due date; sorted() keeps the given order
    # of debts due the same day.
    rest.sort(key=lambda debt: (debt.due_date > paid_on, debt.due_date))
    for (not_due, _), same_day in groupby(rest, key=lambda debt: (debt.due_date > paid_on, debt.due_date)):
        if left == 0:
            break
        group = list(same_day)
        group_total = sum((debt.balance for debt in group), Decimal("0.00"))
        if left >= group_total or len(group) == 1:
            rule = ImputationRule.NOT_DUE if not_due else ImputationRule.DUE_OLDEST
            for debt in group:
                part = min(left, debt.balance)
                parts.append(Part(debt.key, part, rule))
                left -= part
            continue
        rule = ImputationRule.NOT_DUE if not_due else ImputationRule.DUE_PROPORTIONAL
        parts += [Part(key, share, rule) for key, share in _proportional(left, group, group_total) if share]
        left = Decimal("0.00")
    return parts


def _proportional(amount: Decimal, group: list[Debt], total: Decimal) -> list[tuple[str, Decimal]]:
    """``amount`` shared in proportion to the balances, in cents: each share rounded down, the cents
    left over given one each to the largest remainders (the first debt on a tie)."""
    exact = [(debt, amount * debt.balance / total) for debt in group]
    shares = {debt.key: share.quantize(CENT, rounding=ROUND_DOWN) for debt, share in exact}
    cents_left = int((amount - sum(shares.values())) / CENT)
    by_remainder = sorted(
        range(len(exact)), key=lambda index: -(exact[index][1] - shares[exact[index][0].key])
    )
    for index in by_remainder[:cents_left]:
        shares[exact[index][0].key] += CENT
    return [(debt.key, shares[debt.key]) for debt in group]
