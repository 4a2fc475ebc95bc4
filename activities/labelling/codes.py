"""A label's verification code, ``RL-XXXX-XXXX``: derived from what it labels (subject, step,
colour), so a retry prints the same code, and read back from what a person typed."""

from __future__ import annotations

import hashlib
import re

from models.enums import LabelColour

# Verification codes: RL-XXXX-XXXX over 32 characters that cannot be misread (no 0/O, no 1/I).
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8
LABEL_CODE = re.compile(rf"^RL-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}$")


def label_code(subject: str, step_key: str, colour: LabelColour) -> str:
    """The verification code of the label put on ``subject``'s document for ``step_key``."""
    digest = hashlib.sha256(f"{subject}\n{step_key}\n{colour.value}".encode()).digest()
    number = int.from_bytes(digest[:5])  # 40 bits: 8 characters of 5 bits
    characters = "".join(CODE_ALPHABET[(number >> (5 * index)) & 31] for index in range(CODE_LENGTH))
    return f"RL-{characters[:4]}-{characters[4:]}"


def normalise_label_code(text: str) -> str | None:
    """The code as printed (``RL-7K3M-Q9TD``) from what a person typed, or None if it is not one.

    Case, spaces, dashes and the ``RL`` prefix do not matter. Codes have no 0, 1, O or I: one typed
    with them was mistyped, and is refused rather than guessed.
    """
    compact = re.sub(r"[\s-]", "", text.upper())
    if len(compact) == CODE_LENGTH + 2 and compact.startswith("RL"):
        compact = compact[2:]
    code = f"RL-{compact[:4]}-{compact[4:]}"
    return code if LABEL_CODE.match(code) else None
