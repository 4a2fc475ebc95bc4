"""SMTP fixtures: a real aiosmtpd server on a free port, writing each mail to a folder."""

from __future__ import annotations

from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from embedded.smtp_outbox import OutboxSMTPServer


def read_messages(server: OutboxSMTPServer) -> list[EmailMessage]:
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(path.read_bytes()) for path in server.messages()]  # type: ignore[misc]


@pytest.fixture
def smtp_outbox(tmp_path: Path) -> Iterator[OutboxSMTPServer]:
    with OutboxSMTPServer(tmp_path / "outbox", port=0) as server:
        yield server
