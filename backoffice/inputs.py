"""Input a person typed, refused with the name of what to correct.

The names are the command line's (``--amount``, ``KIND``): the rules that read such input live in
the back office (``backoffice.bailiff``, ``backoffice.penalties``, ``backoffice.letters``), and the
command line prints their refusal as one line, exit code 2.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


class BadOption(Exception):
    """An option to correct: printed as one line naming it, exit code 2 (a usage error)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")


def parsed(option: str, parse: Callable[[str], T], text: str) -> T:
    """``parse(text)``, or ``BadOption`` naming ``option`` with the reason."""
    try:
        return parse(text)
    except ValueError as error:
        raise BadOption(option, str(error)) from error


def validated(model: type[M], fields: dict[str, Any], options: Mapping[str, str]) -> M:
    """``model`` built from ``fields``, or ``BadOption`` naming the option (``options``: field -> option)
    that fills the first field refused."""
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        first = error.errors()[0]
        option = options.get(str(first["loc"][0]) if first["loc"] else "", "input")
        raise BadOption(option, first["msg"].removeprefix("Value error, ")) from error


def is_pdf(path: Path) -> bool:
    """Whether the file at ``path`` starts as a PDF does."""
    with path.open("rb") as handle:
        return handle.read(5) == b"%PDF-"
