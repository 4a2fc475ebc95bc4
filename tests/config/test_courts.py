"""The court table as the worker reads it: a court an agent adds is seen at once, a broken file is
refused naming the file and the field."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from config.courts import COURTS_FILE, CourtTableError, load_court_table
from law.courts import competent_court

BREST = """
[[court]]
kind = "tribunal_judiciaire"
name = "Tribunal judiciaire de Brest"
street = "1 rue du Palais"
postcode = "29200"
city = "Brest"
appeal_court = "cour d'appel de Rennes"
serves = ["29200"]
source = "table de test"
"""


def test_a_court_added_to_the_file_is_read_at_once(tmp_path: Path) -> None:
    path = tmp_path / "courts.toml"
    path.write_text(COURTS_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    first = load_court_table(path)
    assert load_court_table(path) is first  # an unchanged file is not read again
    assert competent_court(first, "29200", "tribunal_judiciaire") is None

    with path.open("a", encoding="utf-8") as table:
        table.write(BREST)
    # The change is told by the file's modification time: make it unmistakable.
    modified = path.stat().st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(modified, modified))
    added = competent_court(load_court_table(path), "29200", "tribunal_judiciaire")
    assert added is not None and added.name == "Tribunal judiciaire de Brest"


def test_a_table_that_cannot_be_used_names_the_file_and_the_field(tmp_path: Path) -> None:
    missing = tmp_path / "none.toml"
    with pytest.raises(CourtTableError, match=f"{missing}: court table not found"):
        load_court_table(missing)
    broken = tmp_path / "broken.toml"
    broken.write_text(BREST.replace('postcode = "29200"', 'postcode = "29"'), encoding="utf-8")
    with pytest.raises(CourtTableError, match=rf"{broken}: court\.0\.postcode: .*not a French postcode"):
        load_court_table(broken)
    broken.write_text("[[court]\n", encoding="utf-8")
    os.utime(broken, ns=(1, 1))
    with pytest.raises(CourtTableError, match="not valid TOML"):
        load_court_table(broken)
