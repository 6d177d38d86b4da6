import io
import os
import sys

from movierec.stack import ProcessSpec, Stack
from tests.waiting import wait_until

SLEEPER = [sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(120)"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it has exited all the same.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_output_is_prefixed_with_the_process_name_and_stop_leaves_no_process():
    out = io.StringIO()
    stack = Stack([ProcessSpec("web", SLEEPER), ProcessSpec("worker", SLEEPER)], out=out)
    stack.start()
    wait_until(lambda: out.getvalue().count("ready") == 2, "both ready", timeout=15, interval=0.05)
    pids = [p.pid for p in stack.processes.values()]
    stack.stop()
    assert "web    | ready" in out.getvalue()
    assert "worker | ready" in out.getvalue()
    assert not any(_alive(pid) for pid in pids)


def test_a_dying_child_stops_the_whole_stack_with_its_exit_code():
    crasher = [sys.executable, "-c", "import sys, time; time.sleep(0.3); sys.exit(3)"]
    stack = Stack([ProcessSpec("web", SLEEPER), ProcessSpec("beat", crasher)], out=io.StringIO())
    stack.start()
    assert stack.wait() == 3
    assert all(p.poll() is not None for p in stack.processes.values())


def test_the_worker_gets_its_own_metrics_directory_and_address():
    from movierec.stack import default_specs

    specs = {spec.name: spec for spec in default_specs(port=8100, worker_concurrency=2)}
    worker = specs["worker"].env
    assert worker["WORKER_METRICS_ADDRESS"] == "127.0.0.1:8101"
    assert worker["PROMETHEUS_MULTIPROC_DIR"].endswith("metrics-worker")
    # The web's directory is gunicorn's own (movierec/gunicorn.conf.py).
    assert "PROMETHEUS_MULTIPROC_DIR" not in specs["web"].env
