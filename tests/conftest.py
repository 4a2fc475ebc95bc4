"""Shared fixtures. Each real part has its own fixture module, registered here."""

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.smtp",
    "tests.fixtures.temporal",
    "tests.fixtures.cases",
    "tests.fixtures.filings",
    "tests.fixtures.cli",
    "tests.fixtures.web",
    "tests.fixtures.browser",
]
