"""The embedded services ``relance up`` starts: the Temporal dev server and the SMTP outbox."""
