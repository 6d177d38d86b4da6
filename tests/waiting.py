"""Waiting on a condition in a test: the one deadline-polling loop."""

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

from jobs.models import Job

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T], what: str, *, timeout: float = 60, interval: float = 0.1
) -> T:
    """Poll `condition` every `interval` seconds until it holds and return its value; fail
    the test after `timeout` seconds, naming `what` it was waiting for."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
    return value


def job_finished(job_id: int, *, timeout: float = 60) -> Job:
    """The job once it has succeeded or failed."""
    wait_until(
        lambda: Job.objects.filter(pk=job_id, state__in=JOB_DONE).exists(),
        f"job {job_id} to finish",
        timeout=timeout,
    )
    return Job.objects.get(pk=job_id)


JOB_DONE = (Job.State.SUCCEEDED, Job.State.FAILED)
