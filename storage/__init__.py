"""The database: engine and migrations (``database``), tables (``tables``), the append-only journal
(``journal``)."""
