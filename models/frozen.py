"""The base of every value crossing the workflow boundary: frozen, so a value read from a history
is never changed in place.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Value(BaseModel):
    model_config = ConfigDict(frozen=True)
