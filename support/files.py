"""Files as the project writes them: atomically or durably, and their SHA-256; and a text that
names them as a person reads it, by their names."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

# What the data folder holds (the database, letters, mails, dossiers) is personal data: its owner
# alone reads it. Every entry point sets the process's umask so that whatever it creates is private.
PRIVATE_UMASK = 0o077
PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def create_privately() -> None:
    """From now on this process creates folders 0700 and files 0600 (its umask)."""
    os.umask(PRIVATE_UMASK)


def keep_private(folder: Path) -> None:
    """``folder`` created 0700 (with this process's umask set), and what it already holds taken
    away from group and others: the folders and files of an older installation too. Links are left
    as they are: what they point to is not the data folder's."""
    create_privately()
    folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    _tighten(folder)
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            _tighten(Path(root) / name)


def _tighten(path: Path) -> None:
    try:
        mode = path.lstat().st_mode
        if not stat.S_ISLNK(mode) and stat.S_IMODE(mode) & PRIVATE_UMASK:
            path.chmod(stat.S_IMODE(mode) & ~PRIVATE_UMASK)
    except FileNotFoundError:
        pass  # gone meanwhile: a temporary file renamed or removed


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def write_atomically(path: Path, content: bytes) -> None:
    """Write to a unique temporary file beside ``path``, then rename it over ``path``.

    A unique name matters: an attempt that timed out may still be writing when its retry starts.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, PRIVATE_FILE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_durably(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def canonical_json(content: Any) -> bytes:
    """JSON as the dossiers keep it: UTF-8, indented, keys sorted."""
    return json.dumps(content, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


# Why a file cannot be read, in the words of the person who gave it.
_READ_ERRORS_FR = {
    errno.EACCES: "accès refusé",
    errno.EPERM: "accès refusé",
    errno.ENOENT: "il n'existe pas",
    errno.EISDIR: "c'est un dossier",
}


def unreadable(error: OSError) -> str:
    """``impossible de lire le fichier : accès refusé``; a rarer error in the system's words."""
    why = _READ_ERRORS_FR.get(error.errno or 0) or error.strerror or str(error)
    return f"impossible de lire le fichier : {why}"


def create_private_file(path: Path, content: bytes) -> bool:
    """Create ``path`` holding ``content``, readable by its owner only (0600), unless it exists;
    whether this call created it.

    The file is written whole under another name, then linked into place: a process that reads it
    never sees it half-written, and of two processes creating it at once one content wins, for both.
    """
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, building = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(building, 0o600)
        try:
            os.link(building, path)
        except FileExistsError:
            return False
    finally:
        os.unlink(building)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return True


# An absolute path (not the path of a URL): its folders, then its file's name.
_ABSOLUTE_PATH = re.compile(r"(?<![\w.~:/])/(?:[^\s/'\"():;,]+/)+([^\s/'\"():;,]+)")


def file_names_only(text: str) -> str:
    """``text`` with each absolute path shortened to its file's name: a failure as an agent reads
    it, without where the server keeps its files (``/srv/relance/documents/c/letter.pdf is
    missing`` -> ``letter.pdf is missing``)."""
    return _ABSOLUTE_PATH.sub(r"\1", text)
