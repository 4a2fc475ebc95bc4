"""Input a person typed, refused with the name of what to correct.

The names are the door's: the command line's options (``--amount``, ``KIND``), printed as one line,
exit code 2; the web form's fields as its page labels them (``montant``), a 400 page. The rules
that read such input live in the back office (``backoffice.bailiff``, ``backoffice.penalties``,
``backoffice.letters``) and the bounds of every value in ``models.bounds``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from backoffice.commands import LOCAL_ZONE, moment_from_text
from models.bounds import amount_from_text, day_from_text, day_in_window

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


class BadOption(Exception):
    """An option (or a form's field) to correct, named, and why, in French: the command line prints
    it as one line, exit code 2 (a usage error); a web page shows it, 400."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option} : {message}")

    @classmethod
    def of(cls, option: str, error: ValueError) -> BadOption:
        """``error``'s reason (``models.bounds``, ``support.parsing``), naming ``option``."""
        return cls(option, str(error))


def parsed(option: str, parse: Callable[[str], T], text: str) -> T:
    """``parse(text)``, or ``BadOption`` naming ``option`` with the reason."""
    try:
        return parse(text)
    except ValueError as error:
        raise BadOption.of(option, error) from error


def amount_input(option: str, text: str, *, zero_allowed: bool = False) -> Decimal:
    """An amount in euros and cents within the bounds, more than zero unless ``zero_allowed``."""
    return parsed(option, partial(amount_from_text, zero_allowed=zero_allowed), text)


def today() -> date:
    """Today as the back office's people count days (Paris)."""
    return datetime.now(LOCAL_ZONE).date()


def day_input(option: str, text: str) -> date:
    """A date from 2000 to ten years ahead."""
    return parsed(option, partial(day_from_text, today=today()), text)


def moment_input(option: str, text: str) -> datetime:
    """A date (its start, Paris time) or a date-time, from 2000 to ten years ahead."""
    moment = parsed(option, moment_from_text, text)
    try:
        day_in_window(moment.date(), today())
    except ValueError as error:
        raise BadOption.of(option, error) from error
    return moment


def validated(model: type[M], fields: dict[str, Any], options: Mapping[str, str]) -> M:
    """``model`` built from ``fields``, or ``BadOption`` naming the option (``options``: field -> option)
    that fills the first field refused."""
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        first = error.errors()[0]
        option = options.get(str(first["loc"][0]) if first["loc"] else "", "input")
        cause = first.get("ctx", {}).get("error")
        if isinstance(cause, ValueError):
            raise BadOption.of(option, cause) from error
        raise BadOption(option, first["msg"].removeprefix("Value error, ")) from error


def is_pdf(path: Path) -> bool:
    """Whether the file at ``path`` starts as a PDF does."""
    with path.open("rb") as handle:
        return handle.read(5) == b"%PDF-"
