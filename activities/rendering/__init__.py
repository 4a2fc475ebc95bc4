"""Rendering a case's documents: HTML to PDF (``pdf``), the templates' environment (``templates``),
what a letter's templates see (``letters``) and the penalty statement's values and ledger lines
(``penalty_statement``)."""
