"""Read a TOML file into a validated model, or say which file, which field and why not."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


def load_toml_model(path: Path, model: type[Model], error: type[ValueError]) -> Model:
    """``model`` validated from ``path``; ``error`` names the file and each field at fault."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{path}: not valid TOML: {problem}") from problem
    try:
        return model.model_validate(data)
    except ValidationError as problem:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in problem.errors()
        )
        raise error(f"{path}: {problems}") from problem
