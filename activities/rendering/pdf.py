"""HTML to PDF with WeasyPrint, in French typography, confined to the template folders: a document
may read their files (a logo, a font) and nothing else, never the network.

WeasyPrint is imported on first use, not with this module: it takes half a second to load, which
every ``relance`` command and the back office would pay without rendering anything.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from support.typography import typeset_html


@cache
def _fetcher_class() -> type[Any]:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class TemplateFolderFetcher(URLFetcher):  # type: ignore[misc]
        """Lets a document use files of its template folders (a logo, a font) and nothing else:
        no network."""

        def __init__(self, *folders: Path) -> None:
            super().__init__(allowed_protocols=("file", "data"))
            self._roots = [folder.resolve() for folder in folders]

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
            if url.startswith("file:"):
                path = Path(url2pathname(urlsplit(url).path)).resolve()
                if not any(path.is_relative_to(root) for root in self._roots):
                    allowed = " or ".join(str(root) for root in self._roots)
                    raise ValueError(f"letters may only use files under {allowed}, not {path}")
            return super().fetch(url, headers)

    return TemplateFolderFetcher


def template_folder_fetcher(*folders: Path) -> Any:
    """A WeasyPrint URL fetcher that reads files under ``folders`` only."""
    return _fetcher_class()(*folders)


def html_to_pdf(html: str, *folders: Path) -> bytes:
    """The PDF of ``html``, its text set in French typography (every document is French: no-break
    spaces before ``: ; ! ?`` and inside « », see ``support.typography``). With ``folders``,
    relative URLs resolve in the first one and only their files may be read; without, the page is
    rendered as it is."""
    from weasyprint import HTML

    html = typeset_html(html)
    if not folders:
        return HTML(string=html).write_pdf()
    base_url = f"{folders[0].resolve()}/"
    return HTML(string=html, base_url=base_url, url_fetcher=template_folder_fetcher(*folders)).write_pdf()
