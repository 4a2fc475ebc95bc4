"""The write-ahead record of the emails an SMTP server accepted: one small file per Message-ID in the
data folder (``sent-mail/``), written and flushed to disk the instant the server says yes, before
the journal is written. An attempt that finds it sends nothing and only completes the journal; once
the journal holds the send, the file is removed.

Attempts of one email take its file's lock (``flock``) in turn, whether they run in this worker or
in another process on this machine: one finds what the other did. The file is named by the
Message-ID's SHA-256, so that no case id or invoice number shows in a file name.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

# How often an attempt looks again whether another one has finished with the same email.
_LOCK_POLL_SECONDS = 0.05


class SentMailRecord:
    """One email's record, held alone while the ``SentMail.claim`` block runs."""

    def __init__(self, handle: int, message_id: str) -> None:
        self._handle = handle
        self._message_id = message_id

    def sent_at(self) -> datetime | None:
        """When the SMTP server accepted this email, if an attempt recorded it."""
        content = os.pread(self._handle, 4096, 0)
        if not content:
            return None
        try:
            return datetime.fromisoformat(json.loads(content)["sent_at"])
        except (ValueError, KeyError, TypeError):
            # Only a write cut short by a crash leaves a file unreadable, and one is written only
            # once the server accepted the mail: it was sent, at about the time the file last changed.
            return datetime.fromtimestamp(os.fstat(self._handle).st_mtime, UTC)

    def record(self, sent_at: datetime) -> None:
        """Say, durably, that the SMTP server accepted this email at ``sent_at``."""
        content = json.dumps({"message_id": self._message_id, "sent_at": sent_at.isoformat()})
        os.pwrite(self._handle, content.encode("utf-8"), 0)
        os.fsync(self._handle)


class SentMail:
    """The records of one data folder."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def _path(self, message_id: str) -> Path:
        return self._folder / f"{hashlib.sha256(message_id.encode('utf-8')).hexdigest()}.json"

    @asynccontextmanager
    async def claim(self, message_id: str) -> AsyncIterator[SentMailRecord]:
        """This email's record, held alone until the block ends (created empty when new)."""
        self._folder.mkdir(parents=True, exist_ok=True)
        handle = os.open(self._path(message_id), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            # Polled, never a blocking wait in a thread: a wait given up would leave its thread to
            # take the lock later and hold it for ever.
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    await asyncio.sleep(_LOCK_POLL_SECONDS)
            # The file's name must survive a power cut as its content does.
            _fsync_folder(self._folder)
            yield SentMailRecord(handle, message_id)
        finally:
            os.close(handle)  # closing the descriptor releases the lock

    def forget(self, message_id: str) -> None:
        """Remove the record once the journal holds the send. An attempt waiting on the file still
        reads it; one opening it afresh finds an empty record, then the journal line."""
        self._path(message_id).unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
