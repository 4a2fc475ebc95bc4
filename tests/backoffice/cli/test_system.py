"""``relance up``, as ``make run`` starts it: the embedded dev server, the SMTP outbox, the worker
and the back office come up; a new user creates the administrator and imports the demo invoices in
the browser, the cases move, Ctrl-C stops everything, and a second start (``--demo``, which imports
the same invoices at start) finds them where they were."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import httpx

from embedded.smtp_outbox import free_port
from tests.fixtures.files import assert_private
from tests.fixtures.web import CSRF_INPUT, PASSWORD

RELANCE = Path(sys.executable).parent / "relance"


async def start_up(env: dict[str, str], *options: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        str(RELANCE),
        "up",
        *options,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    for _ in range(int(seconds * 4)):
        if condition():
            return True
        await asyncio.sleep(0.25)
    return False


async def stop(process: asyncio.subprocess.Process) -> str:
    process.send_signal(signal.SIGINT)
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    return out.decode()


async def answering(backoffice: httpx.AsyncClient) -> bool:
    for _ in range(240):
        try:
            if (await backoffice.get("/healthz")).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.25)
    return False


async def import_the_demo_in_the_browser(backoffice: httpx.AsyncClient) -> None:
    """What a new user does: create the administrator, then press the import page's demo button."""
    first = await backoffice.get("/login")
    assert first.status_code == 303 and first.headers["location"] == "/setup"
    page = await backoffice.get("/setup")
    token = page.text.split('name="setup_token" value="')[1].split('"')[0]
    form = {"setup_token": token, "username": "admin", "password": PASSWORD, "password_again": PASSWORD}
    assert (await backoffice.post("/setup", data=form)).status_code == 303
    csrf = CSRF_INPUT.search((await backoffice.get("/imports/new")).text)
    assert csrf is not None
    started = await backoffice.post("/imports/demo", data={"csrf_token": csrf.group(1)})
    assert started.status_code == 303
    for _ in range(240):
        progress = (await backoffice.get(started.headers["location"] + "/progress")).json()
        if progress["finished"]:
            break
        await asyncio.sleep(0.25)
    assert progress["error"] is None and progress["report"]["cases_started"] == 6


async def test_up_serves_the_back_office_runs_the_demo_and_stops_cleanly(tmp_path: Path) -> None:
    data = tmp_path / "var"
    port = free_port("127.0.0.1")
    env = {
        **os.environ,
        "RELANCE_DATA_DIR": str(data),
        "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port('127.0.0.1')}",
        "TEMPORAL_UI_PORT": str(free_port("127.0.0.1")),
        "SMTP_PORT": str(free_port("127.0.0.1")),
        "RELANCE_BACKOFFICE_PORT": str(port),
    }
    # An older installation's folder, readable by everyone: the start makes it private.
    data.mkdir()
    data.chmod(0o755)
    (data / "notes.txt").write_text("kept by an older version\n")
    (data / "notes.txt").chmod(0o644)
    process = await start_up(env)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as backoffice:
        assert await answering(backoffice)
        await import_the_demo_in_the_browser(backoffice)
    # The demo policy's first reminders go out a few seconds after the cases start.
    assert await wait_until(lambda: len(list((data / "outbox").glob("*.eml"))) >= 3, 90)
    output = await stop(process)
    assert process.returncode == 0, output
    # Rich wraps long lines at the terminal's width: compare words, not lines.
    output = " ".join(output.split())
    assert "Relance tourne" in output
    assert f"Back-office http://127.0.0.1:{port}" in output
    assert "arrêté ; « relance up » retrouve chaque dossier" in output
    assert (data / "temporal.db").is_file()

    again = await start_up(env, "--demo")
    assert await wait_until(lambda: len(list((data / "documents").glob("*/second_reminder.pdf"))) >= 1, 90)
    output = await stop(again)
    assert again.returncode == 0, output
    # The same demo file again: every invoice known, every case already there.
    assert "0 enregistrée, 7 déjà connues" in " ".join(output.split())
    assert "0 dossier ouvert, 6 déjà ouverts" in " ".join(output.split())
    # Everything the dev server, the outbox, the worker and the back office wrote is private.
    names = {path.name for path in assert_private(data)}
    assert {"notes.txt", "relance.db", "temporal.db", "second_reminder.pdf"} <= names, names
    assert any(name.endswith(".eml") for name in names)
