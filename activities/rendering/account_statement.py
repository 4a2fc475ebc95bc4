"""The statement of account (*relevé de compte*) rendered to PDF: what its template sees.

Synchronous and CPU-heavy (WeasyPrint): the back office calls it in a thread, an activity on the
worker's thread pool."""

from __future__ import annotations

from pathlib import Path

from activities.rendering.penalty_statement import warning_fr
from activities.rendering.templates import debtor_flags, template_pdf
from models.account_statements import AccountStatement

ACCOUNT_STATEMENT_TEMPLATE = "releve_de_compte.html.j2"


def account_statement_pdf(templates_dir: Path, statement: AccountStatement) -> bytes:
    """The statement as a French PDF; a template's error is a non-retryable ``TemplateError``."""
    values = {
        "statement": statement,
        **debtor_flags(statement.debtor_kind),
        # The penalty engine's warnings with their half-years in words, per invoice.
        "warnings": {
            invoice.case_id: [warning_fr(warning) for warning in invoice.penalties.warnings]
            for invoice in statement.invoices
            if invoice.penalties
        },
    }
    return template_pdf(templates_dir, ACCOUNT_STATEMENT_TEMPLATE, values, "statement of account")
