"""Deterministic orchestration only: every side effect is an activity."""

from workflows.invoice_collection import InvoiceCollectionWorkflow

WORKFLOWS = [InvoiceCollectionWorkflow]

__all__ = ["WORKFLOWS", "InvoiceCollectionWorkflow"]
