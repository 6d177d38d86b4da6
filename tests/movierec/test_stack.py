import io
import os
import signal
import sys
import threading

from movierec.stack import ProcessSpec, RestartPolicy, Stack
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


FAST = RestartPolicy(first_delay=0.1, max_delay=0.4, fast_crash_seconds=5, max_fast_crashes=3)


def test_a_killed_child_is_restarted_and_counted_and_its_leftovers_killed():
    out, restarts, deaths = io.StringIO(), [], []
    # A child whose own child (like a pool process) would outlive it.
    parent = [sys.executable, "-c", "import subprocess, sys, time; "
              "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); "
              "print('grandchild', p.pid, flush=True); time.sleep(120)"]  # fmt: skip
    stack = Stack(
        [
            ProcessSpec("web", SLEEPER),
            ProcessSpec("worker", parent, on_death=lambda: deaths.append(1)),
        ],
        out=out,
        policy=FAST,
        on_restart=restarts.append,
    )
    stack.start()
    wait_until(lambda: "grandchild" in out.getvalue(), "the grandchild", timeout=15, interval=0.05)
    grandchild = int(out.getvalue().split("grandchild ")[1].split()[0])
    first = stack.processes["worker"].pid

    def kill_the_worker_then_stop() -> None:
        try:
            os.kill(first, signal.SIGKILL)
            wait_until(lambda: stack.processes["worker"].pid != first, "a new worker", timeout=15)
            wait_until(lambda: not _alive(grandchild), "the grandchild killed", timeout=15)
        finally:
            stack._stopping.set()

    killer = threading.Thread(target=kill_the_worker_then_stop)
    killer.start()
    assert stack.wait() == 0  # stopped as by Ctrl-C
    killer.join()
    assert stack.processes["worker"].pid != first and not _alive(grandchild)
    assert restarts == ["worker"] and deaths == [1]
    log = out.getvalue()
    assert "worker was killed by SIGKILL after" in log
    assert f"worker started (pid {stack.processes['worker'].pid})" in log
    assert "web was" not in log and "web exited" not in log  # the others ran on
    assert not any(_alive(p.pid) for p in stack.processes.values())


def test_a_child_that_keeps_crashing_at_start_makes_the_stack_give_up():
    crasher = [sys.executable, "-c", "import sys; print('bad config', flush=True); sys.exit(3)"]
    out = io.StringIO()
    stack = Stack([ProcessSpec("web", SLEEPER), ProcessSpec("beat", crasher)], out=out, policy=FAST)
    stack.start()
    assert stack.wait() == 1
    log = out.getvalue()
    assert log.count("beat exited with code 3") == 3
    assert "restarting it in" in log
    assert "crashed 3 times in a row within 5 s of starting, so the stack gives up" in log
    assert all(p.poll() is not None for p in stack.processes.values())


def test_the_pause_between_restarts_doubles_up_to_the_maximum():
    crasher = [sys.executable, "-c", "import sys; sys.exit(1)"]
    policy = RestartPolicy(first_delay=0.1, max_delay=0.2, fast_crash_seconds=5, max_fast_crashes=4)
    out = io.StringIO()
    stack = Stack([ProcessSpec("beat", crasher)], out=out, policy=policy)
    stack.start()
    stack.wait()
    log = out.getvalue().splitlines()
    delays = [line.split("restarting it in ")[1] for line in log if "restarting" in line]
    assert delays == ["0.1 s", "0.2 s", "0.2 s"]


def test_the_worker_gets_its_own_metrics_directory_and_address():
    from movierec.stack import default_specs

    specs = {spec.name: spec for spec in default_specs(port=8100, worker_concurrency=2)}
    worker = specs["worker"].env
    assert worker["WORKER_METRICS_ADDRESS"] == "127.0.0.1:8101"
    assert worker["PROMETHEUS_MULTIPROC_DIR"].endswith("metrics-worker")
    # The web's directory is gunicorn's own (movierec/gunicorn.conf.py).
    assert "PROMETHEUS_MULTIPROC_DIR" not in specs["web"].env
