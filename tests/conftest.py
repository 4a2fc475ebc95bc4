"""Shared fixtures. Each real part has its own fixture module, registered here."""

pytest_plugins = [
    "tests.db_fixtures",
    "tests.smtp_fixtures",
    "tests.temporal_fixtures",
    "tests.case_fixtures",
    "tests.web_fixtures",
    "tests.browser_fixtures",
]
