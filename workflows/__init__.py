"""Deterministic orchestration only: every side effect is an activity."""

from workflows.debtor_account import DebtorAccountWorkflow
from workflows.invoice_collection import InvoiceCollectionWorkflow

WORKFLOWS = [InvoiceCollectionWorkflow, DebtorAccountWorkflow]

__all__ = ["WORKFLOWS", "DebtorAccountWorkflow", "InvoiceCollectionWorkflow"]
