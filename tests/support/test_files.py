"""Files as the project writes them: private to their owner, whatever the process's umask was."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.files import file_names_only, keep_private, unreadable, write_atomically
from tests.fixtures.files import assert_private


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The umask of a process that did not ask for privacy; the test's own umask back after."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_an_atomic_write_is_readable_by_its_owner_only(tmp_path: Path, open_umask: None) -> None:
    target = tmp_path / "documents" / "letter.pdf"
    write_atomically(target, b"%PDF-1.7")
    write_atomically(target, b"%PDF-1.7 again")
    assert mode_of(target) == 0o600
    assert target.read_bytes() == b"%PDF-1.7 again"


def test_keep_private_tightens_what_the_folder_holds_and_what_comes_after(
    tmp_path: Path, open_umask: None
) -> None:
    data = tmp_path / "var"
    (data / "documents" / "case-1").mkdir(parents=True)
    (data / "documents" / "case-1" / "letter.pdf").write_bytes(b"%PDF")
    (data / "relance.db").write_bytes(b"SQLite")
    (data / "documents").chmod(0o775)
    (data / "journal.csv").write_bytes(b"case,kind\n")
    (data / "journal.csv").chmod(0o640)
    elsewhere = tmp_path / "shared.txt"
    elsewhere.write_text("not the data folder's")
    (data / "shared").symlink_to(elsewhere)
    assert mode_of(data / "relance.db") == 0o644

    keep_private(data)
    assert_private(data)
    assert mode_of(elsewhere) == 0o644  # a link's target is left alone
    # Created from now on by this process: private without a chmod.
    (data / "outbox").mkdir()
    (data / "outbox" / "mail.eml").write_bytes(b"Subject: x\n")
    assert_private(data)


def test_keep_private_creates_a_missing_folder_private(tmp_path: Path, open_umask: None) -> None:
    keep_private(tmp_path / "new" / "var")
    assert mode_of(tmp_path / "new" / "var") == 0o700


def test_a_failure_names_files_by_their_names_not_where_the_server_keeps_them() -> None:
    said = "/srv/relance/documents/case-1/formal_notice.red.pdf changed since it was produced"
    assert file_names_only(said) == "formal_notice.red.pdf changed since it was produced"
    templates = "unknown letter template 'x' in /opt/relance/letter_templates: no x.html.j2"
    assert file_names_only(templates) == "unknown letter template 'x' in letter_templates: no x.html.j2"
    # A URL, a relative path, a half-year and a date keep what they say.
    for kept in ("see https://www.legifrance.gouv.fr/codes/id/x", "rates/legal.csv", "2026-H1", "01/03/2026"):
        assert file_names_only(kept) == kept


def test_why_a_file_cannot_be_read_is_said_in_french(tmp_path: Path) -> None:
    reasons = []
    for path in (tmp_path / "absent.csv", tmp_path):
        with pytest.raises(OSError) as failure:
            path.read_bytes()
        reasons.append(unreadable(failure.value))
    assert reasons == [
        "impossible de lire le fichier : il n'existe pas",
        "impossible de lire le fichier : c'est un dossier",
    ]
