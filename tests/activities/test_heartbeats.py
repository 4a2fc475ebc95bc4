"""Heartbeats on a real Temporal dev server: every activity of a worker with the interceptor is kept
alive while it works, the thread pool's too, and what an attempt reports reaches the next one."""

from __future__ import annotations

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from temporalio import activity, workflow
from temporalio.client import WorkflowFailureError
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, TimeoutError, TimeoutType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Interceptor, Worker

from activities import heartbeats
from activities.heartbeats import HeartbeatInterceptor

HEARTBEAT_TIMEOUT = timedelta(seconds=1)


@activity.defn
def render_for_a_while() -> str:
    """A sync activity on the thread pool, busy three heartbeat timeouts without a heartbeat."""
    time.sleep(3 * HEARTBEAT_TIMEOUT.total_seconds())
    return "rendered"


@activity.defn
async def report_then_fall_over() -> list[Any]:
    """Reports what it did, works on (the periodic heartbeats go on), then fails; its retry gives
    back what it was told."""
    if activity.info().attempt == 1:
        heartbeats.report({"email_sent": "<step.case@relance>"})
        await asyncio.sleep(2 * HEARTBEAT_TIMEOUT.total_seconds())
        raise RuntimeError("the attempt falls over after its report")
    return list(heartbeats.reported_before())


@workflow.defn(sandboxed=False)
class HeartbeatedActivity:
    @workflow.run
    async def run(self, name: str) -> Any:
        return await workflow.execute_activity(
            name,
            start_to_close_timeout=timedelta(seconds=30),
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=100), maximum_attempts=2),
        )


async def run_activity(env: WorkflowEnvironment, name: str, interceptors: list[Interceptor]) -> Any:
    task_queue = f"heartbeats-{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(2) as executor:
        async with Worker(
            env.client,
            task_queue=task_queue,
            workflows=[HeartbeatedActivity],
            activities=[render_for_a_while, report_then_fall_over],
            activity_executor=executor,
            interceptors=interceptors,
        ):
            return await env.client.execute_workflow(
                HeartbeatedActivity.run, name, id=f"heartbeats-{uuid.uuid4().hex}", task_queue=task_queue
            )


async def test_a_sync_activity_working_longer_than_its_heartbeat_timeout_lives(
    visibility_server: WorkflowEnvironment,
) -> None:
    assert await run_activity(visibility_server, "render_for_a_while", [HeartbeatInterceptor()]) == "rendered"


async def test_without_the_interceptor_the_same_activity_times_out(
    visibility_server: WorkflowEnvironment,
) -> None:
    with pytest.raises(WorkflowFailureError) as failed:
        await run_activity(visibility_server, "render_for_a_while", [])
    assert isinstance(failed.value.cause, ActivityError)
    timeout = failed.value.cause.cause
    assert isinstance(timeout, TimeoutError) and timeout.type == TimeoutType.HEARTBEAT


async def test_what_an_attempt_reported_reaches_its_retry(visibility_server: WorkflowEnvironment) -> None:
    told = await run_activity(visibility_server, "report_then_fall_over", [HeartbeatInterceptor()])
    assert told == [{"email_sent": "<step.case@relance>"}]
