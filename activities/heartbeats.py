"""Heartbeats: every activity given a heartbeat timeout (workflows/common.py) says it is alive every
few seconds while it runs, so that the step of a worker that died is retried within that timeout,
not at the end of its start-to-close timeout.

The worker registers :class:`HeartbeatInterceptor`, which heartbeats from the event loop for the
whole attempt, whether the activity is async or runs on the thread pool (rendering, stamping): an
activity needs no heartbeat of its own to be watched. An activity that has something a retry must
know (an email the SMTP server accepted) says it with :func:`report`; the periodic heartbeats then
carry those details, and a later attempt reads them with :func:`reported_before`.
"""

from __future__ import annotations

import asyncio
import contextlib
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ActivityOutboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

# How many heartbeats fit in one heartbeat timeout: a lost or late one does not time the attempt out.
BEATS_PER_TIMEOUT = 4


@dataclass
class _Beat:
    """The details every heartbeat of the running attempt carries."""

    details: tuple[Any, ...]


_current: ContextVar[_Beat | None] = ContextVar("relance_heartbeat", default=None)


def report(*details: Any) -> None:
    """Heartbeat now with ``details``, and keep them in every later heartbeat of this attempt (the
    server keeps only the newest details). Nothing outside an activity."""
    if not activity.in_activity():
        return
    beat = _current.get()
    if beat is not None:
        beat.details = details
    activity.heartbeat(*details)


def reported_before() -> tuple[Any, ...]:
    """What the attempts before this one reported (their last heartbeat's details); nothing outside
    an activity or on a first attempt."""
    if not activity.in_activity():
        return ()
    return tuple(activity.info().heartbeat_details)


class HeartbeatInterceptor(Interceptor):
    """Heartbeats every activity that has a heartbeat timeout, for as long as it runs."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Heartbeating(next)


class _Heartbeating(ActivityInboundInterceptor):
    def init(self, outbound: ActivityOutboundInterceptor) -> None:
        # The outbound heartbeat is the event loop's own: the one the activity's context holds is
        # replaced, for an activity on the thread pool, by a call that blocks until the loop runs it.
        self._outbound = outbound
        super().init(outbound)

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = self._outbound.info()
        if info.heartbeat_timeout is None:
            return await super().execute_activity(input)
        # What an earlier attempt reported stays reported until this one says otherwise.
        beat = _Beat(tuple(info.heartbeat_details))
        token = _current.set(beat)
        beating = asyncio.create_task(self._beat(beat, info.heartbeat_timeout.total_seconds()))
        try:
            return await super().execute_activity(input)
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating
            _current.reset(token)

    async def _beat(self, beat: _Beat, timeout_seconds: float) -> None:
        while True:
            self._outbound.heartbeat(*beat.details)
            await asyncio.sleep(timeout_seconds / BEATS_PER_TIMEOUT)
