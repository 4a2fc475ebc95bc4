"""Ledger: the case journal (``CaseEvent``) and payments, written to the database."""

from __future__ import annotations

from temporalio import activity

from models.case import CaseEventRecord, PaymentRecord
from models.database import Database


class LedgerActivities:
    def __init__(self, database: Database) -> None:
        self._database = database

    @activity.defn
    async def record_event(self, record: CaseEventRecord) -> None:
        raise NotImplementedError

    @activity.defn
    async def record_payment(self, record: PaymentRecord) -> None:
        raise NotImplementedError
