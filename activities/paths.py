"""Where activities write: a case id or step key becomes one path component, refused for good when
it could leave its folder (``..``, a slash)."""

from __future__ import annotations

from pathlib import Path

from temporalio.exceptions import ApplicationError


def path_part(name: str, what: str = "a document file or folder") -> str:
    """A case id or step key used as one path component of ``what``, refused if it could leave its
    folder."""
    if name in ("", ".", "..") or Path(name).name != name:
        raise ApplicationError(f"{name!r} cannot name {what}", non_retryable=True)
    return name
