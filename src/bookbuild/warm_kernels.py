"""Warm kernels: fork each chapter's Jupyter kernel from a process that has already imported.

A fresh kernel pays Python's start, ``ipykernel`` and the chapters' heavy imports (pandas,
matplotlib) — about 1,5 s, once per executed chapter. During a build, one *pool* process
imports them once and, for each kernel the build asks for, forks a child that becomes
that kernel: same connection file, working folder and environment as the command
jupyter_client would have run (``python -m ipykernel_launcher -f <file>``), nothing else
changed. Only third-party modules are imported ahead (never ``therapybook``, whose code
and environment a chapter must see as they are when it runs), and no thread runs in the
pool, so forking is safe.

The build starts the pool (:func:`running`) and exports its socket in
``THERAPYBOOK_KERNEL_POOL``; :func:`install` (run when Sphinx loads this module as an
extension) makes jupyter_client's local provisioner use it. Without that
variable (``THERAPYBOOK_KERNEL_POOL_OFF=1`` keeps the build from starting one), or for
another kernel command, kernels start as usual.

The extension also trims the fixed waits around each kernel, which cost more than the
kernel itself once imports are shared: :func:`prompt_readiness` (no 0,2 s IOPub drain
when the kernel is declared ready) and :func:`stop_kernels_immediately` (no graceful
shutdown wait). A kernel's life around its cells then costs about 0,1 s instead of 0,9 s.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the pool runs this file and must not import Sphinx
    from sphinx.application import Sphinx

ENV = "THERAPYBOOK_KERNEL_POOL"
#: What every kernel imports (ipykernel) and the chapters' heavy third-party imports.
PRELOAD = ("ipykernel.kernelapp", "ipykernel.debugger", "IPython.core.debugger",
           "tornado.platform.asyncio", "numpy", "pandas", "matplotlib", "matplotlib.pyplot",
           "matplotlib.figure", "matplotlib_inline.backend_inline")


def _kernel_args(cmd: list[str]) -> list[str] | None:
    """The kernel's arguments if ``cmd`` is this Python's ipykernel command, else None.

    That is ``python -m ipykernel_launcher -f <file>`` and ``--Name.option=value``
    settings (nbclient adds ``--HistoryManager.hist_file=:memory:``).
    """
    if (len(cmd) >= 5 and Path(cmd[0]).resolve() == Path(sys.executable).resolve()
            and cmd[1:4] == ["-m", "ipykernel_launcher", "-f"]
            and all(a.startswith("--") and "=" in a for a in cmd[5:])):
        return cmd[3:]
    return None


def _become_kernel(request: dict) -> None:
    """In the forked child: take the kernel's folder and environment, run it, exit."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.setsid()  # its own process group, as jupyter_client gives a kernel
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    if sys.path and sys.path[0] in ("", os.getcwd()):  # as ipykernel_launcher does
        del sys.path[0]
    # ipykernel read $JPY_PARENT_PID when the pool imported it: the parent to watch (the
    # kernel exits if it goes) is now the pool, which outlives no build.
    args = [*request["args"], f"--IPKernelApp.parent_handle={os.getppid()}"]
    sys.argv = [sys.executable, *args]
    import matplotlib  # imported before the environment set the backend: apply it now

    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    matplotlib.rcParams["backend"] = os.environ["MPLBACKEND"]
    code = 0
    try:
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=args)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:  # noqa: BLE001 - a kernel's crash must not return to the pool loop
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        import atexit

        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve(path: str) -> None:
    """The pool process: import once, then fork one kernel per request on ``path``."""
    try:
        for name in PRELOAD:
            __import__(name)
        assert threading.active_count() == 1, "a thread in the pool would not survive fork"
    except BaseException:
        Path(path + ".failed").touch()  # kernels then start the usual way
        raise
    children: set[int] = set()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the system

    def stop(*_: object) -> None:
        for pid in children:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path + ".tmp")
    server.listen(16)
    os.rename(path + ".tmp", path)  # the socket appears only when ready
    while True:
        conn, _ = server.accept()
        with conn:
            request = json.loads(_read(conn))
            pid = os.fork()
            if pid == 0:
                server.close()
                conn.close()
                _become_kernel(request)
            children.add(pid)
            children.intersection_update(p for p in children if _alive(p))
            conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")


def _read(conn: socket.socket) -> bytes:
    chunks = []
    while not chunks or not chunks[-1].endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fork_kernel(path: str, args: list[str], cwd: str, env: dict[str, str]) -> int:
    """Ask the pool at ``path`` for a kernel run with ``args`` in ``cwd``; returns its pid."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(path)
        request = {"args": args, "cwd": cwd, "env": env}
        conn.sendall(json.dumps(request).encode() + b"\n")
        return int(json.loads(_read(conn))["pid"])


class ForkedKernel:
    """The ``subprocess.Popen`` surface jupyter_client uses, for a kernel forked by the pool."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and not _alive(self.pid):
            self.returncode = 0  # reaped by the pool: the exit status is not known here
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.02)
        return self.returncode or 0

    def send_signal(self, signum: int) -> None:
        """Signal the kernel's process group; after SIGKILL, return once it is gone."""
        if self.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signum)
        if signum == signal.SIGKILL:  # spares jupyter_client a 0,1 s polling sleep
            deadline = time.monotonic() + 1
            while self.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def install() -> None:
    """Have local kernels forked by the pool whose socket ``$THERAPYBOOK_KERNEL_POOL`` names."""
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    if getattr(LocalProvisioner, "_therapybook_pool", False):
        return
    original = LocalProvisioner.launch_kernel

    async def launch_kernel(self, cmd, **kwargs):
        path = os.environ.get(ENV)
        args = _kernel_args(cmd)
        if not path or args is None or not await _ready(path):
            return await original(self, cmd, **kwargs)
        env = kwargs.get("env") or dict(os.environ)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        self.process = ForkedKernel(fork_kernel(path, args, cwd, env))
        self.pid = self.process.pid
        self.pgid = None  # signals go through ForkedKernel, which signals the group
        self.cwd = cwd
        await _bound(self.connection_info, self.process)
        return self.connection_info

    LocalProvisioner.launch_kernel = launch_kernel
    LocalProvisioner._therapybook_pool = True


async def _bound(info: dict, process: ForkedKernel, timeout: float = 60) -> None:
    """Return once the kernel's Unix sockets exist (or it died).

    A client that connects before the kernel has bound waits for ZeroMQ's reconnect
    interval (0,1 s) and, on IOPub, may miss the first status messages, which costs
    jupyter_client's readiness check another 0,2 s.
    """
    import asyncio

    if info.get("transport") != "ipc":
        return
    paths = [f"{info['ip']}-{info[key]}" for key in
             ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")]
    deadline = time.monotonic() + timeout
    while not all(os.path.exists(p) for p in paths):
        if process.poll() is not None or time.monotonic() > deadline:
            return  # jupyter_client reports the dead or silent kernel as usual
        await asyncio.sleep(0.005)


async def _ready(path: str, timeout: float = 60) -> bool:
    """Wait for the pool's socket (it appears once the imports are done); False if it failed."""
    import asyncio

    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if os.path.exists(path + ".failed") or time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


@functools.cache
def _prompt_client_class() -> type:
    from jupyter_client.asynchronous import AsyncKernelClient

    class PromptKernelClient(AsyncKernelClient):
        """A client whose readiness check does not end with a fixed 0,2 s IOPub wait.

        jupyter_client's ``wait_for_ready`` waits for the kernel_info reply and one
        IOPub message, then drains IOPub until it stays silent for 0,2 s. Here IOPub
        reads during that check wait 0,02 s at most: a missed message means one more
        kernel_info round, as before, and the drain ends sooner. Messages left over
        are ignored anyway: nbclient keeps only those answering its own requests.
        """

        async def wait_for_ready(self, timeout: float | None = None) -> None:
            channel = self.iopub_channel
            get_msg = channel.get_msg

            async def prompt_get_msg(timeout: float | None = None, **kwargs):
                return await get_msg(timeout=None if timeout is None else min(timeout, 0.02),
                                     **kwargs)

            channel.get_msg = prompt_get_msg
            try:
                await AsyncKernelClient.wait_for_ready(self, timeout=timeout)
            finally:
                del channel.get_msg

    return PromptKernelClient


def prompt_readiness() -> None:
    """Let nbclient's kernels be declared ready without the fixed 0,2 s IOPub wait."""
    from jupyter_client.manager import AsyncKernelManager

    AsyncKernelManager.class_traits()["client_factory"].default_value = _prompt_client_class()


def stop_kernels_immediately() -> None:
    """Stop each chapter's kernel as soon as its last cell has answered.

    nbclient's default (« graceful ») asks the kernel to shut down and waits for it
    to exit: 0,2 to 0,4 s per chapter, and now and then 3 s when the kernel is slow
    to exit (nbclient then waits 2,5 s before sending SIGTERM). Every output has
    already reached the build when the last cell answers, and the chapters register
    no exit hook, so the kernel is killed at once (nbclient's « immediate »).
    """
    from nbclient import NotebookClient

    NotebookClient.class_traits()["shutdown_kernel"].default_value = "immediate"


@contextlib.contextmanager
def running() -> Iterator[str | None]:
    """Start a pool for the duration of a build and export its socket; yield its path."""
    if os.environ.get(ENV) or os.environ.get("THERAPYBOOK_KERNEL_POOL_OFF"):
        yield os.environ.get(ENV)
        return
    folder = Path(tempfile.mkdtemp(prefix="therapybook-pool-"))
    path = str(folder / "pool.sock")
    # Not waited for: the pool imports while Sphinx starts; kernels wait for its socket.
    # Run as a file from an empty folder: the pool imports neither the book's package nor
    # anything found in the book's folder.
    code = f"import runpy; runpy.run_path({__file__!r}, run_name='__main__')"
    # As ipykernel's kernel spec does: no pydevd warning about frozen modules.
    env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")
    proc = subprocess.Popen([sys.executable, "-c", code, path], cwd=folder, env=env,
                            stdin=subprocess.DEVNULL)
    os.environ[ENV] = path
    try:
        yield path
    finally:
        del os.environ[ENV]
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def setup(app: Sphinx) -> dict:
    install()
    stop_kernels_immediately()
    prompt_readiness()
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    serve(sys.argv[1])
