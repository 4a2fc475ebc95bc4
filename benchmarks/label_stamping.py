"""Label stamping: Relance's ``stamp_pdf`` next to a bare pypdf overlay merge of the same pages.

Run: ``.venv/bin/python -m benchmarks.label_stamping [--pages 50] [--rounds 10]``.

One run renders a letter-like PDF of N pages with WeasyPrint (not timed), then times, round after
round in alternation, on the same bytes:
- a bare pypdf loop: read the PDF, clone it (as stamping does, to keep its attachments), merge one
  overlay page built beforehand onto each page, write the result — the baseline;
- ``stamp_pdf``: the same, plus what labelling adds: the verification code drawn into the badge
  for this call, and each page's placement (rotation, crop box) computed.

Both merge the same badge: the difference is Relance's own work. Target: stamp_pdf ≥ 0.8 × bare.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from io import BytesIO

from pypdf import PageObject, PdfReader, PdfWriter
from weasyprint import HTML

from activities.labelling.codes import label_code
from activities.labelling.stamp import label_stamp, stamp_pdf
from models.enums import LabelColour

COLOUR = LabelColour.RED
PARAGRAPH = (
    "Par la présente, nous vous mettons en demeure de régler la somme restant due au titre de la "
    "facture ci-dessous, majorée des pénalités de retard prévues par l'article L441-10 du Code de "
    "commerce et de l'indemnité forfaitaire pour frais de recouvrement de 40 euros. "
)


def letter_pages(pages: int) -> bytes:
    """A PDF of ``pages`` A4 pages of French text, as WeasyPrint renders Relance's letters."""
    body = "".join(
        f'<section style="break-after: page"><h2>Page {number}</h2>{f"<p>{PARAGRAPH * 3}</p>" * 6}</section>'
        for number in range(1, pages + 1)
    )
    html = f"<html lang=\"fr\"><body style=\"font: 10pt 'DejaVu Serif', serif\">{body}</body></html>"
    return HTML(string=html).write_pdf()


def bare_merge(source: bytes, overlay: PageObject) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(BytesIO(source)))
    for page in writer.pages:
        page.merge_page(overlay)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50, help="pages of the stamped PDF")
    parser.add_argument("--rounds", type=int, default=10, help="times each contender stamps it")
    arguments = parser.parse_args()

    source = letter_pages(arguments.pages)
    assert len(PdfReader(BytesIO(source)).pages) == arguments.pages
    code = label_code("invoice-123456782-BENCH-1", "formal_notice", COLOUR)
    overlay = label_stamp(COLOUR, code)
    contenders: dict[str, Callable[[], bytes]] = {
        "bare pypdf overlay merge": lambda: bare_merge(source, overlay),
        "relance stamp_pdf": lambda: stamp_pdf(source, COLOUR, code),
    }
    seconds = dict.fromkeys(contenders, 0.0)
    for action in contenders.values():
        action()  # warm-up: caches, imports
    for _ in range(arguments.rounds):
        for name, action in contenders.items():
            started = time.perf_counter()
            action()
            seconds[name] += time.perf_counter() - started

    pages = arguments.pages * arguments.rounds
    print(
        f"machine: {os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}, "
        f"{arguments.pages} pages x {arguments.rounds} rounds = {pages} pages per contender"
    )
    baseline = pages / seconds["bare pypdf overlay merge"]
    for name, total in seconds.items():
        throughput = pages / total
        print(f"{name:<26} {total:8.2f} s {throughput:9.0f} pages/s {throughput / baseline:6.2f}x")


if __name__ == "__main__":
    sys.exit(main())
