"""The embedded SMTP server: accepts every mail and keeps it as a ``.eml`` file a person can open.

It stands in for a real mail relay in ``relance up`` and in the tests; the application talks to it
over SMTP exactly as it would to a production relay.
"""

from __future__ import annotations

import re
import socket
import uuid
from datetime import UTC, datetime
from email import message_from_bytes
from pathlib import Path
from types import TracebackType

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from support.files import PRIVATE_FOLDER, write_atomically

_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")


# A Message-ID can be long; the file name keeps enough of it to be recognised.
_MAX_ID_IN_NAME = 120


def free_port(host: str) -> int:
    """A port nobody listens on right now (another process could still take it before we do)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class OutboxHandler:
    def __init__(self, folder: Path, fail_first: int = 0) -> None:
        self.folder = folder
        self.failures_left = fail_first

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.failures_left > 0:
            # Diagnostic knob: refuse with a temporary error, as a busy relay does.
            self.failures_left -= 1
            return "451 4.3.0 Temporary failure, try again later"
        content = envelope.original_content or b""
        message_id = str(message_from_bytes(content).get("Message-ID") or "").strip("<> ")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        label = _UNSAFE.sub("_", message_id)[:_MAX_ID_IN_NAME] or uuid.uuid4().hex
        # Readable by the owner only (0600), as everything of the data folder: mails hold personal data.
        write_atomically(self.folder / f"{stamp}-{label}.eml", content)
        return "250 Message accepted for delivery"


class OutboxSMTPServer:
    """``with OutboxSMTPServer(folder) as server:`` listens on ``server.host:server.port``.

    Port 0 picks a free port. ``fail_first=N`` is a test and diagnostic knob: it refuses the first
    N mails with a temporary error (451), to exercise a client's retries against a real server.
    """

    def __init__(self, folder: Path, host: str = "127.0.0.1", port: int = 8025, fail_first: int = 0) -> None:
        self.folder = Path(folder)
        self.host = host
        # aiosmtpd's Controller checks it is up by connecting to its own port, so it cannot bind
        # port 0 itself: "any free port" is chosen here, before it starts.
        self.port = port or free_port(host)
        self.handler = OutboxHandler(self.folder, fail_first)
        self._controller: Controller | None = None

    def start(self) -> OutboxSMTPServer:
        self.folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
        self._controller = Controller(self.handler, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[Path]:
        """The mails received so far, oldest first."""
        return sorted(self.folder.glob("*.eml"))

    def __enter__(self) -> OutboxSMTPServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
