"""A dossier's folder: a folder a court clerk or a bailiff's office can take as it is, every document
and a ``manifest.json`` with each file's SHA-256.

It is built in a sibling folder and moved into place in one rename, so a crash never leaves half a
dossier; an older, different dossier of the same case is kept beside it, never destroyed. A document
is copied only while its bytes are those recorded when it was produced."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from temporalio.exceptions import ApplicationError

from activities.paths import path_part
from models.documents import DocumentRef
from support.files import sha256_of, sha256_of_file, write_durably

MANIFEST = "manifest.json"


def folder_name(case_id: str) -> str:
    """The case id as one folder name, refused if it could leave its parent folder."""
    return path_part(case_id, "a dossier folder")


def publish_folder(target: Path, write: Callable[[Path], None]) -> None:
    """Build ``target`` with ``write(folder)`` in a sibling folder, then move it into place at once.

    An older folder at ``target`` is kept beside it as ``<name>.replaced-<manifest hash>``.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    # Made 0700, and kept so: a dossier holds personal data.
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        write(building)
        if target.exists():
            target.rename(target.with_name(f"{target.name}.replaced-{_fingerprint(target)}"))
        building.rename(target)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


def copy_verified(document: DocumentRef, destination: Path) -> None:
    """Copy ``document`` if its bytes still have the SHA-256 recorded when it was produced."""
    source = Path(document.path)
    if not source.is_file():
        raise ApplicationError(f"{source} is missing: cannot build the dossier", non_retryable=True)
    content = source.read_bytes()
    actual = sha256_of(content)
    if actual != document.sha256:
        raise ApplicationError(
            f"{source} changed since it was sent (sha256 {actual}, expected {document.sha256})",
            type="DocumentChanged",
            non_retryable=True,
        )
    # The bytes just verified are the bytes written: the file cannot change in between.
    write_durably(destination, content)


def _fingerprint(dossier: Path) -> str:
    manifest = dossier / MANIFEST
    return sha256_of_file(manifest)[:12] if manifest.is_file() else "incomplete"


def file_size(path: Path) -> int | None:
    """The source's size; None when it is gone (the copy then refuses to build the dossier)."""
    return path.stat().st_size if path.is_file() else None
