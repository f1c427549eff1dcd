"""Warm kernels: fork each chapter's Jupyter kernel from a process that has already imported.

A fresh kernel pays Python's start, ``ipykernel`` and the chapters' heavy imports (pandas,
matplotlib) — about 1,5 s, once per executed chapter. During a build, one *pool* process
imports them once and, for each kernel the build asks for, forks a child that becomes
that kernel: same connection file, working folder and environment as the command
jupyter_client would have run (``python -m ipykernel_launcher -f <file>``), nothing else
changed. Only third-party modules are imported ahead (never ``therapybook``, whose code
and environment a chapter must see as they are when it runs).

jupyter_client's public route is used: :class:`WarmKernelProvisioner` is a kernel
provisioner registered under the ``jupyter_client.kernel_provisioners`` entry point
(``pyproject.toml``); :func:`running` starts the pool for a build, exports its socket in
``$THERAPYBOOK_KERNEL_POOL`` and selects the provisioner through
``$JUPYTER_DEFAULT_PROVISIONER_NAME`` (the variable jupyter_client documents for the
provisioner of kernel specs that name none). ``THERAPYBOOK_KERNEL_POOL_OFF=1`` starts no
pool: kernels are then started the usual way, by the same provisioner.

Forking is safe only from a process with one thread: the pool runs OpenBLAS and OpenMP
on one thread (``OPENBLAS_NUM_THREADS=1``, ``OMP_NUM_THREADS=1``, as every kernel of the
build), and checks that the operating system counts a single thread before it forks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.provisioning import LocalProvisioner

ENV = "THERAPYBOOK_KERNEL_POOL"
OFF = "THERAPYBOOK_KERNEL_POOL_OFF"
#: jupyter_client's variable for the provisioner of kernel specs that name none.
PROVISIONER_ENV = "JUPYTER_DEFAULT_PROVISIONER_NAME"
#: Name of :class:`WarmKernelProvisioner` in the ``jupyter_client.kernel_provisioners`` group.
PROVISIONER = "therapybook-warm-kernel"
#: Thread counts of the pool and of every kernel of the build.
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
#: What every kernel imports (ipykernel) and the chapters' heavy third-party imports
#: (frictionless: a chapter validates the data files no earlier chapter has read).
PRELOAD = ("ipykernel.kernelapp", "ipykernel.debugger", "IPython.core.debugger",
           "tornado.platform.asyncio", "numpy", "pandas", "matplotlib", "matplotlib.pyplot",
           "matplotlib.figure", "matplotlib_inline.backend_inline", "frictionless")


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
        threads = os_threads()
        assert threads == 1, f"{threads} threads in the pool: a fork would keep only one"
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


def os_threads() -> int:
    """Threads of this process as the operating system counts them (OpenBLAS's included)."""
    return len(os.listdir("/proc/self/task"))


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
    """The ``subprocess.Popen`` surface :class:`LocalProvisioner` uses, for a forked kernel.

    The kernel leads its own process group (``setsid``): signals go to the group, as
    jupyter_client sends them to a kernel it started.
    """

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
            time.sleep(0.005)
        return self.returncode or 0

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _ipc_prefix() -> str:
    """An absolute, unique prefix for a kernel's Unix sockets.

    The kernel runs in its chapter's folder and the client in the build's: a relative
    name would differ between them.
    """
    folder = Path(tempfile.gettempdir()) / f"therapybook-ipc-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return str(folder / f"k-{uuid.uuid4().hex[:16]}")


class PromptKernelClient(AsyncKernelClient):
    """A client whose readiness check ends as soon as the kernel is ready.

    jupyter_client's ``wait_for_ready`` waits for a kernel_info reply and one IOPub
    message (IOPub is then connected), then reads IOPub until it has been silent for
    0,2 s. This one stops after the IOPub message: messages left over are ignored
    anyway, nbclient keeps only those that answer its own requests. Used for forked
    kernels only, which speak this ipykernel's protocol version.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (60.0 if timeout is None else timeout)
        while True:
            try:
                await self.kernel_info(reply=True, timeout=1)
                await self.iopub_channel.get_msg(timeout=0.2)
                return
            except (TimeoutError, queue.Empty):
                pass
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")


class WarmKernelProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, with the kernel forked by the pool.

    Registered under the ``jupyter_client.kernel_provisioners`` entry point
    :data:`PROVISIONER` (``pyproject.toml``); the build selects it for every kernel
    through ``$JUPYTER_DEFAULT_PROVISIONER_NAME`` (:func:`running`). Without a pool,
    or for another kernel command, the kernel starts the usual way. In both cases:

    - the kernel talks to the build through Unix sockets (``transport = "ipc"``):
      kernels started at once by two readers, or by two builds on the machine,
      race for free TCP ports and one can die with « Address already in use »;
    - it runs with one BLAS and one OpenMP thread, like the pool it is forked from
      (a process that forks must hold no thread but the forking one);
    - a forked kernel's manager makes :class:`PromptKernelClient` clients (its
      configurable ``client_factory``);
    - it is stopped as soon as its shutdown is requested (after the chapter's last
      cell answered and every output arrived): the chapters register no exit hook,
      and a kernel that takes its time to exit would otherwise cost 0,1 to 0,4 s,
      now and then 2,5 s (jupyter_client then waits before sending SIGTERM).
    """

    async def pre_launch(self, **kwargs):
        km = self.parent
        if km is not None and km.transport == "tcp":
            km.transport = "ipc"
            km.ip = _ipc_prefix()
            km.cache_ports = False
        return await super().pre_launch(**kwargs)

    def _finalize_env(self, env: dict[str, str]) -> None:
        super()._finalize_env(env)
        env.update(SINGLE_THREADED)
        for name in (ENV, PROVISIONER_ENV):  # the kernel sees the build's environment
            env.pop(name, None)

    async def launch_kernel(self, cmd: list[str], **kwargs):
        path = os.environ.get(ENV)
        args = _kernel_args(cmd)
        if not path or args is None or not await _ready(path):
            return await super().launch_kernel(cmd, **kwargs)
        env = kwargs.get("env") or dict(os.environ)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        self.process = ForkedKernel(fork_kernel(path, args, cwd, env))
        self.pid = self.pgid = self.process.pid
        self.cwd = cwd
        if self.parent is not None:
            self.parent.client_factory = PromptKernelClient
        await _bound(self.connection_info, self.process)
        return self.connection_info

    async def wait(self) -> int | None:
        if isinstance(self.process, ForkedKernel):  # reaped by the pool, not by us
            while self.process.poll() is None:
                await asyncio.sleep(0.005)
            self.process = None
            return 0
        return await super().wait()

    async def shutdown_requested(self, restart: bool = False) -> None:
        if not restart and self.process is not None:
            await self.kill()
            deadline = time.monotonic() + 1
            while await self.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.002)


async def _bound(info: dict, process: ForkedKernel, timeout: float = 60) -> None:
    """Return once the kernel's Unix sockets exist (or it died).

    A client that connects before the kernel has bound waits for ZeroMQ's reconnect
    interval (0,1 s) and, on IOPub, may miss the first status messages, which costs
    jupyter_client's readiness check another 0,2 s.
    """
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
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if os.path.exists(path + ".failed") or time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


def registered() -> bool:
    """Whether :class:`WarmKernelProvisioner` is installed (``pip install -e .`` registers it)."""
    group = entry_points(group="jupyter_client.kernel_provisioners", name=PROVISIONER)
    return any(ep.value == f"{__name__}:WarmKernelProvisioner" for ep in group)


@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def running() -> Iterator[str | None]:
    """For one build: select the provisioner, start a pool; yield its socket (None if none)."""
    if not registered():
        print(f"Noyaux ordinaires : le fournisseur de noyaux {PROVISIONER} n'est pas installé "
              "(relancer `make setup`).", file=sys.stderr)
        yield None
        return
    with _environ({PROVISIONER_ENV: PROVISIONER}):
        if os.environ.get(ENV) or os.environ.get(OFF):
            yield os.environ.get(ENV)
            return
        folder = Path(tempfile.mkdtemp(prefix="therapybook-pool-"))
        path = str(folder / "pool.sock")
        # Not waited for: the pool imports while Sphinx starts; kernels wait for its socket.
        # Run as a file from an empty folder: the pool imports neither the book's package
        # nor anything found in the book's folder. As ipykernel's kernel spec does: no
        # pydevd warning about frozen modules.
        code = f"import runpy; runpy.run_path({__file__!r}, run_name='__main__')"
        env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1", **SINGLE_THREADED)
        proc = subprocess.Popen([sys.executable, "-c", code, path], cwd=folder, env=env,
                                stdin=subprocess.DEVNULL)
        try:
            with _environ({ENV: path}):
                yield path
        finally:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    serve(sys.argv[1])
