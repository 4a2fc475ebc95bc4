"""The ids of cases: the same invoice always maps to the same workflow id."""

from __future__ import annotations

import re

_UNSAFE_ID_CHAR = re.compile(r"[^A-Za-z0-9._-]")


def safe_name(text: str) -> str:
    """``text`` usable in an id or a file name: characters outside ``[A-Za-z0-9._-]`` are escaped as
    ``~XX`` (their UTF-8 bytes in hex), so two different texts never share a name."""

    def escape(match: re.Match[str]) -> str:
        return "".join(f"~{byte:02X}" for byte in match.group(0).encode("utf-8"))

    return _UNSAFE_ID_CHAR.sub(escape, text.replace("~", "~7E"))


def case_id_for(creditor_siren: str, invoice_number: str) -> str:
    """The workflow id of an invoice's case: the same invoice always maps to the same case."""
    return f"invoice-{creditor_siren}-{safe_name(invoice_number)}"
