"""The documents the pages link to (a case's, an account's): served only from the data folder, shown
in the browser; the file system read off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path

from fastapi.responses import FileResponse


async def document_response(data_dir: Path, path: str) -> FileResponse | None:
    """The file at ``path``, inline; None unless it is a file inside ``data_dir`` (a path recorded
    elsewhere, or leading out of it through a link, is not served)."""
    root = await asyncio.to_thread(data_dir.resolve)
    resolved = await asyncio.to_thread(Path(path).resolve)
    if not resolved.is_relative_to(root) or not await asyncio.to_thread(resolved.is_file):
        return None
    media_type = "application/pdf" if resolved.suffix.lower() == ".pdf" else None
    return FileResponse(
        resolved, media_type=media_type, filename=resolved.name, content_disposition_type="inline"
    )


async def files_present(paths: Iterable[str]) -> set[str]:
    """Those of ``paths`` whose file is there: the others are listed as absent, without a link."""
    wanted = list(paths)
    return await asyncio.to_thread(lambda: {path for path in wanted if Path(path).is_file()})
