"""Intake: invoice files read and validated whole (``invoice_file``, ``csv_file``, ``fields``,
``facturx_invoice``), checked against what is stored and stored (``store``), then one case started
per unpaid invoice (``batch``), each phase told to the door (``progress``), the same for both doors."""
