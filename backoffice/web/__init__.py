"""The back office in a browser: ``relance backoffice`` (FastAPI, server-rendered pages)."""
