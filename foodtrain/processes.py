"""Child processes the app starts (job workers beside `foodtrain serve`, the load test's servers)."""

from __future__ import annotations

import ctypes
import ctypes.util
import signal
import subprocess
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def terminate_with_parent() -> Callable[[], None] | None:
    """On Linux, a hook for a child (``preexec_fn``) to ask the kernel for SIGTERM the moment its parent dies
    (even while it is still starting up); elsewhere None, and the child's own watch of its parent does the job."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    return lambda: libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)  # loaded before fork: only the call runs in the child


def stop_process(process: subprocess.Popen, timeout_s: float) -> None:
    """Ctrl+C (a worker finishes its running jobs, an app process its requests), then kill if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
