"""The good-practice label's colours and texts, from config/labels.toml beside this loader."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

from models.enums import LabelColour

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

LABELS_FILE = Path(__file__).resolve().parent / "labels.toml"


@cache
def label_styles() -> dict[LabelColour, tuple[str, str]]:
    """Each colour's text and CSS colour, from ``config/labels.toml``."""
    table = tomllib.loads(LABELS_FILE.read_text(encoding="utf-8"))
    styles = {}
    for colour in LabelColour:
        entry = table.get(colour.value, {})
        text, css = entry.get("text"), entry.get("colour")
        if not isinstance(text, str) or not text or not isinstance(css, str) or not _HEX_COLOUR.match(css):
            raise ValueError(f"{LABELS_FILE}: [{colour.value}] needs a text and a colour like '#2e7d32'")
        styles[colour] = (text, css)
    return styles
