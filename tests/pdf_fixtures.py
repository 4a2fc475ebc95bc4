"""Reading PDFs back in tests: their text as a reader sees it, and where each run of text sits."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pypdf import PageObject, PdfReader

MM = 72 / 25.4  # PDF points per millimetre


def flat(text: str) -> str:
    """Babel's narrow and ordinary no-break spaces, and line breaks, become single spaces."""
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def pdf_text(path: str | Path) -> str:
    return flat(" ".join(page.extract_text() for page in PdfReader(path).pages))


def sha256_file(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def text_runs(page: PageObject) -> list[tuple[str, tuple[float, float], tuple[float, float]]]:
    """Each run of text with its origin and its reading direction, in the page's user space."""
    runs = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if not text.strip():
            return
        # Text space to user space: the text matrix, then the current transformation matrix.
        a = tm[0] * cm[0] + tm[1] * cm[2]
        b = tm[0] * cm[1] + tm[1] * cm[3]
        e = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        f = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        runs.append((text.strip(), (e, f), (a, b)))

    page.extract_text(visitor_text=visit)
    return runs
