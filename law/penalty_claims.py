"""What one invoice's penalties are computed on, as at a day: from when they run and at whose rate.

The case (``workflows/penalty_steps.py``) and the statement of account
(``activities/account_statements.py``) both ask this, so that a statement shows what the case claims.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from law.penalties import InterestStart, PenaltyPayment, PenaltyRequest
from models.enums import DebtorKind


def penalty_request(
    *,
    principal: Decimal,
    due_date: date,
    until: date,
    debtor_kind: DebtorKind,
    contract_rate_percent: Decimal | None,
    interest_start: InterestStart | None,
    payments: Iterable[PenaltyPayment],
) -> PenaltyRequest | None:
    """The request as at ``until``, or None while nothing can be late yet.

    A consumer owes interest from the formal notice only (Code civil 1231-6, 1344-1:
    ``interest_start``, None while its receipt is not known); a business or a public buyer from the
    day after the due date, without any reminder (Code de commerce L441-10, Code de la commande
    publique R2192-31). Only between businesses does the terms of sale's rate apply (L441-10 II).
    """
    consumer = debtor_kind is DebtorKind.CONSUMER
    notice = interest_start if consumer else None
    start = notice.on if notice else (None if consumer else due_date)
    if start is None or until <= start or until <= due_date or start < due_date:
        return None
    return PenaltyRequest(
        principal=principal,
        due_date=due_date,
        until=until,
        debtor_kind=debtor_kind,
        contract_rate_percent=contract_rate_percent if debtor_kind is DebtorKind.BUSINESS else None,
        notice_date=notice.on if notice else None,
        notice_outcome=notice.outcome if notice else None,
        payments=tuple(payments),
    )
