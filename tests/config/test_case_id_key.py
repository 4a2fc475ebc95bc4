"""The key of case ids: from RELANCE_CASE_ID_KEY, else a key file made once in the data folder."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from config.case_id_key import CaseIdKeyError, case_id_key
from config.settings import Settings


def test_the_embedded_key_is_made_once_private_and_read_as_it_is(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    key = case_id_key(settings)
    path = settings.embedded_case_id_key_file
    assert len(key) == 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert case_id_key(settings) == key
    assert case_id_key(Settings(data_dir=tmp_path / "var")) == key


def test_a_configured_key_is_used_and_a_bad_one_refused_saying_why(tmp_path: Path) -> None:
    configured = bytes(range(40))
    settings = Settings(data_dir=tmp_path, case_id_key=SecretStr(base64.b64encode(configured).decode()))
    assert case_id_key(settings) == configured
    assert not settings.embedded_case_id_key_file.exists()
    for text, why in [
        ("not base64!", "RELANCE_CASE_ID_KEY: not base64"),
        (base64.b64encode(b"short").decode(), "RELANCE_CASE_ID_KEY: 5 bytes, at least 32 are needed"),
    ]:
        with pytest.raises(CaseIdKeyError, match=why):
            case_id_key(Settings(data_dir=tmp_path, case_id_key=SecretStr(text)))
    broken = Settings(data_dir=tmp_path / "broken")
    broken.embedded_case_id_key_file.parent.mkdir()
    broken.embedded_case_id_key_file.write_text("# a comment\n", encoding="utf-8")
    with pytest.raises(CaseIdKeyError, match="expected one key line, found 0"):
        case_id_key(broken)
