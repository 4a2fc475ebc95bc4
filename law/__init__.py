"""The law as Relance applies it: every legal rule a pure, named function or table, one module per
subject, each citing its article (penalties, rates, payment terms, judicial route, letters,
business days)."""
