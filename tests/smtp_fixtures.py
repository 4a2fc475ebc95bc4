"""SMTP fixtures: a real aiosmtpd server on a free port, writing each mail to a folder."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from embedded.smtp_outbox import OutboxSMTPServer


def read_messages(server: OutboxSMTPServer) -> list[EmailMessage]:
    """The mails the server received, oldest first, parsed as a mail client reads them."""
    return [
        message_from_bytes(path.read_bytes(), EmailMessage, policy=policy.default)
        for path in server.messages()
    ]


@pytest.fixture
def smtp_outbox(tmp_path: Path) -> Iterator[OutboxSMTPServer]:
    with OutboxSMTPServer(tmp_path / "outbox", port=0) as server:
        yield server
