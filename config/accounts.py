"""The chart-of-accounts numbers of the penalty claims' ledger lines, from config/accounts.toml beside
this loader."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import NamedTuple

_ACCOUNT = re.compile(r"^[0-9]{3,}[0-9A-Za-z]*$")

ACCOUNTS_FILE = Path(__file__).resolve().parent / "accounts.toml"


class Accounts(NamedTuple):
    customer: str
    interest: str
    indemnity: str


@cache
def ledger_accounts(path: Path = ACCOUNTS_FILE) -> Accounts:
    """The accounts of the ledger lines, from ``config/accounts.toml``."""
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    values = {}
    for key in Accounts._fields:
        value = table.get(key)
        if not isinstance(value, str) or not _ACCOUNT.match(value):
            raise ValueError(f'{path}: {key} needs an account number of the chart of accounts, like "411"')
        values[key] = value
    return Accounts(**values)
