"""The embedded Temporal dev server dies with the process that started it, whatever kills it."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from pathlib import Path

from config.settings import PROJECT_ROOT
from embedded.devserver import port_is_open

START_THEN_WAIT = """
import asyncio, sys
from pathlib import Path
from embedded.devserver import DevServer

async def main():
    folder = Path(sys.argv[2])
    server = DevServer(address=sys.argv[1], namespace="default", db_file=folder / "temporal.db",
                       ui_port=int(sys.argv[3]), log_file=folder / "temporal.log")
    await server.start()
    print("ready", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_a_parent_killed_with_sigkill_takes_its_dev_server_with_it(tmp_path: Path) -> None:
    port, ui_port = free_port(), free_port()
    parent = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        START_THEN_WAIT,
        f"127.0.0.1:{port}",
        str(tmp_path),
        str(ui_port),
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert parent.stdout is not None
    try:
        line = await asyncio.wait_for(parent.stdout.readline(), timeout=90)
        assert line.strip() == b"ready", (tmp_path / "temporal.log").read_text(errors="replace")
        assert await port_is_open("127.0.0.1", port)
    finally:
        parent.send_signal(signal.SIGKILL)
        await parent.wait()
    for _ in range(100):
        if not await port_is_open("127.0.0.1", port):
            break
        await asyncio.sleep(0.1)
    assert not await port_is_open("127.0.0.1", port), "the dev server outlived its parent"
