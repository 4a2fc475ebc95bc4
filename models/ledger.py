"""Lines of the append-only journal and of the payments, as the ledger activities write them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from models.frozen import Value


class CaseEventRecord(Value):
    """One line of the append-only journal; ``idempotency_key`` makes a retry a no-op."""

    case_id: str
    kind: str
    actor: str
    occurred_at: datetime
    detail: str
    idempotency_key: str
    step_key: str | None = None
    document_sha256: str | None = None
    label_code: str | None = None


class PaymentRecord(Value):
    case_id: str
    amount: Decimal
    paid_on: date
    recorded_by: str
    reference: str
    idempotency_key: str
