"""The layout is the architecture: every module imports only from its own layer or the layers below
it (ARCHITECTURE.md draws them), so the data's way through the code goes forward."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. A module belongs to the longest prefix that names it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("support",),
    # The vocabulary every layer speaks: enumerations only, importing nothing of the project.
    ("models.enums",),
    ("law",),
    ("models",),
    ("security",),
    ("config",),
    ("storage",),
    ("activities",),
    ("workflows",),
    ("backoffice",),
    # The doors and the programs: what a person or an operator starts.
    ("backoffice.web", "backoffice.cli", "embedded", "worker", "starter", "migrations", "benchmarks", "demo"),
)
PACKAGES = {prefix.split(".")[0] for layer in LAYERS for prefix in layer}


def layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (prefix length, layer)
    for index, layer in enumerate(LAYERS):
        for prefix in layer:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), index)
    return None if best is None else best[1]


def source_modules() -> list[tuple[str, Path]]:
    modules = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] not in PACKAGES and relative.with_suffix("").as_posix() not in PACKAGES:
            continue
        parts = list(relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules.append((".".join(parts), path))
    return modules


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] in PACKAGES}


@pytest.mark.parametrize(("module", "path"), source_modules(), ids=lambda value: str(value))
def test_imports_go_down_the_layers(module: str, path: Path) -> None:
    own = layer_of(module)
    assert own is not None, f"{module} is in no layer of LAYERS"
    upward = sorted(name for name in imported_modules(path) if (layer_of(name) or 0) > own)
    assert not upward, f"{module} (layer {LAYERS[own]}) imports from a layer above it: {upward}"


def test_every_package_has_a_layer() -> None:
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")} - {"tests"}
    assert packages <= PACKAGES, f"packages without a layer: {sorted(packages - PACKAGES)}"
