"""``relance up --demo``, as ``make run`` starts it: the embedded dev server, the SMTP outbox and
the worker come up, the demo cases move, Ctrl-C stops everything, and a second start finds them."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import httpx

from embedded.smtp_outbox import free_port

RELANCE = Path(sys.executable).parent / "relance"


async def start_up(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        str(RELANCE),
        "up",
        "--demo",
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


async def test_up_runs_the_demo_and_stops_cleanly(tmp_path: Path) -> None:
    data = tmp_path / "var"
    env = {
        **os.environ,
        "RELANCE_DATA_DIR": str(data),
        "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port('127.0.0.1')}",
        "TEMPORAL_UI_PORT": str(free_port("127.0.0.1")),
        "SMTP_PORT": str(free_port("127.0.0.1")),
        "RELANCE_BACKOFFICE_PORT": str(backoffice_port := free_port("127.0.0.1")),
    }
    process = await start_up(env)
    # The demo policy's first reminders go out a few seconds after the cases start.
    assert await wait_until(lambda: len(list((data / "outbox").glob("*.eml"))) >= 3, 90)
    # The back office answers beside the worker; a new installation asks for its administrator.
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{backoffice_port}") as backoffice:
        assert (await backoffice.get("/healthz")).json() == {"status": "ok"}
        first = await backoffice.get("/login")
        assert first.status_code == 303 and first.headers["location"] == "/setup"
        assert "Bienvenue dans Relance" in (await backoffice.get("/setup")).text
    output = await stop(process)
    assert process.returncode == 0, output
    # Rich wraps long lines at the terminal's width: compare words, not lines.
    output = " ".join(output.split())
    assert "4 case(s) started" in output
    assert "Relance is running" in output
    assert f"Back office http://127.0.0.1:{backoffice_port}" in output
    assert "stopped" in output
    assert (data / "temporal.db").is_file()

    again = await start_up(env)
    assert await wait_until(lambda: len(list((data / "documents").glob("*/second_reminder.pdf"))) >= 1, 90)
    output = await stop(again)
    assert again.returncode == 0, output
    # The same demo file again: every invoice known, every case already there.
    assert "0 stored, 5 already known" in " ".join(output.split())
    assert "0 case(s) started, 4 already existed" in " ".join(output.split())
