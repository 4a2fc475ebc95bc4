"""The ids of cases: the same invoice always maps to the same workflow id, and the id says nothing
of the invoice.

A case's id is the workflow id Temporal keeps in clear, lists and shows in its UI. It is a keyed
hash (HMAC-SHA256) of the creditor's SIREN and the invoice number under a secret key
(``config/case_id_key.py``): stable, so that starting an invoice's case twice starts it once, and
opaque, so that neither the SIREN nor the invoice number can be read from it. Cases started
before carry ``invoice-<SIREN>-<number>`` (:func:`legacy_case_id`); the invoices table keeps each
invoice's id, which is the one its case goes on with.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

CASE_ID_PREFIX = "case-"
ACCOUNT_ID_PREFIX = "account-"
# 130 bits of the hash, in lower-case base32: no two invoices ever share an id.
_HASH_CHARACTERS = 26
_UNSAFE_ID_CHAR = re.compile(r"[^A-Za-z0-9._-]")


def safe_name(text: str) -> str:
    """``text`` usable in an id or a file name: characters outside ``[A-Za-z0-9._-]`` are escaped as
    ``~XX`` (their UTF-8 bytes in hex), so two different texts never share a name."""

    def escape(match: re.Match[str]) -> str:
        return "".join(f"~{byte:02X}" for byte in match.group(0).encode("utf-8"))

    return _UNSAFE_ID_CHAR.sub(escape, text.replace("~", "~7E"))


def case_id_for(key: bytes, creditor_siren: str, invoice_number: str) -> str:
    """The workflow id of a new invoice's case: the same invoice under the same key always maps to
    the same id, from which neither the SIREN nor the number can be read."""
    # A SIREN is nine digits: the separator cannot occur in it, so no two pairs share a message.
    message = f"{creditor_siren}/{invoice_number}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return CASE_ID_PREFIX + base64.b32encode(digest).decode("ascii").lower()[:_HASH_CHARACTERS]


def account_id_for(key: bytes, creditor_siren: str, debtor_key: str) -> str:
    """The workflow id of the account of one creditor and one debtor (``debtor_key``: the debtor's
    natural key, its SIREN or a consumer's email), as opaque as a case's id."""
    # "account:" cannot begin a SIREN: no account shares a message, so an id, with a case.
    message = f"account:{creditor_siren}/{debtor_key}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return ACCOUNT_ID_PREFIX + base64.b32encode(digest).decode("ascii").lower()[:_HASH_CHARACTERS]


def legacy_case_id(creditor_siren: str, invoice_number: str) -> str:
    """The id cases were started with before ids were opaque; such a case keeps it."""
    return f"invoice-{creditor_siren}-{safe_name(invoice_number)}"
