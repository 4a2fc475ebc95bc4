"""Intake: invoice files read and validated whole (``invoice_file``, ``fields``, ``facturx_invoice``),
stored (``store``), then one case started per unpaid invoice (``batch``), the same for both doors."""
