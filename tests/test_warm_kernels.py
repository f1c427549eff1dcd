"""Warm kernels: a kernel forked by the pool behaves like one jupyter_client would start.

Kernels are started the way the build starts them: nbclient, jupyter_client's provisioner
factory, and the provisioner registered under ``jupyter_client.kernel_provisioners``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.provisioning import KernelProvisionerFactory
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from bookbuild import warm_kernels

PROBE = ("import os, sys, matplotlib\n"
         "print(os.getcwd(), os.getppid(), os.environ.get('THERAPYBOOK_PROBE'), "
         "matplotlib.get_backend(), 'therapybook' in sys.modules, "
         "os.environ.get('OPENBLAS_NUM_THREADS'), sep='|')")


@pytest.fixture(autouse=True)
def provisioner(monkeypatch):
    """Select the provisioner as the build does (the factory is a singleton of this process:
    its default may have been read already, so the test sets it on the instance)."""
    factory = KernelProvisionerFactory.instance()
    monkeypatch.setattr(factory, "default_provisioner_name", warm_kernels.PROVISIONER)
    yield


@pytest.fixture(scope="module")
def pool():
    with warm_kernels.running() as path:
        assert path and os.environ[warm_kernels.ENV] == path
        assert os.environ[warm_kernels.PROVISIONER_ENV] == warm_kernels.PROVISIONER
        yield path
    assert warm_kernels.ENV not in os.environ and warm_kernels.PROVISIONER_ENV not in os.environ
    assert not Path(path).exists()


def client(source: str, cwd: Path) -> NotebookClient:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    return NotebookClient(nb, resources={"metadata": {"path": str(cwd)}}, timeout=60)


def execute(source: str, cwd: Path) -> str:
    c = client(source, cwd)
    c.execute()
    return "".join(o.get("text", "") for o in c.nb.cells[0].outputs).strip()


def test_the_provisioner_is_registered_under_jupyter_clients_entry_point():
    assert warm_kernels.registered()
    factory = KernelProvisionerFactory.instance()
    assert factory._check_availability(warm_kernels.PROVISIONER)


def test_only_this_pythons_ipykernel_command_is_forked():
    exe = sys.executable
    assert warm_kernels._kernel_args([exe, "-m", "ipykernel_launcher", "-f", "k.json"]) == [
        "-f", "k.json"]
    assert warm_kernels._kernel_args([exe, "-m", "ipykernel_launcher", "-f", "k.json",
                                      "--HistoryManager.hist_file=:memory:"]) is not None
    assert warm_kernels._kernel_args(["/usr/bin/python3", "-m", "ipykernel_launcher", "-f",
                                      "k.json"]) is None
    assert warm_kernels._kernel_args([exe, "-m", "ipykernel_launcher", "-f", "k.json",
                                      "--debug"]) is None
    assert warm_kernels._kernel_args(["R", "--slave", "-f", "k.json"]) is None


def test_forked_kernel_has_the_chapters_folder_environment_and_a_fresh_package(
        pool, tmp_path, monkeypatch):
    # Set after the pool started: the kernel must see the build's environment of now.
    monkeypatch.setenv("THERAPYBOOK_PROBE", "valeur-du-moment")
    cwd, ppid, probe, backend, package, blas = execute(PROBE, tmp_path).split("|")
    assert Path(cwd) == tmp_path
    assert probe == "valeur-du-moment"
    assert backend == "module://matplotlib_inline.backend_inline"  # as a fresh kernel
    assert package == "False"  # the book's package is imported by the chapter, not the pool
    assert blas == "1"
    assert int(ppid) != os.getpid()  # forked by the pool, not started by this process


def test_the_pool_forks_from_a_single_os_thread(pool, tmp_path):
    """The pool's guard counts the threads the OS sees (OpenBLAS's too): one, after the
    imports, since the pool runs with one BLAS thread. A second thread would make it
    refuse to serve, and kernels would start the usual way."""
    _, ppid, *_ = execute(PROBE, tmp_path).split("|")
    pool_pid = int(ppid)
    tasks = os.listdir(f"/proc/{pool_pid}/task")
    assert len(tasks) == 1, tasks
    assert warm_kernels.os_threads() >= 1


def test_a_failing_cell_still_fails(pool, tmp_path):
    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        execute("1 / 0", tmp_path)


def test_a_failed_pool_falls_back_to_ordinary_kernels(tmp_path, monkeypatch):
    path = tmp_path / "pool.sock"
    (tmp_path / "pool.sock.failed").touch()
    monkeypatch.setenv(warm_kernels.ENV, str(path))
    monkeypatch.setenv("THERAPYBOOK_PROBE", "sans-pool")
    _, ppid, probe, _, _, blas = execute(PROBE, tmp_path).split("|")
    assert probe == "sans-pool" and int(ppid) == os.getpid()
    assert blas == "1"  # same thread counts as a forked kernel: same numbers


def test_forked_and_ordinary_kernels_see_the_same_import_path(pool, tmp_path, monkeypatch):
    probe = "import sys; print(sys.path)"
    forked = execute(probe, tmp_path)
    monkeypatch.setenv(warm_kernels.ENV, str(tmp_path / "absent.sock"))
    (tmp_path / "absent.sock.failed").touch()
    assert execute(probe, tmp_path) == forked


def test_kernels_talk_through_unix_sockets_and_stop_once_shut_down(pool, tmp_path):
    c = client("print('fin')", tmp_path)
    with c.setup_kernel():
        info = c.km.get_connection_info()
        assert info["transport"] == "ipc" and Path(info["ip"]).is_absolute()
        assert type(c.kc).__name__ == "PromptKernelClient"
        c.execute_cell(c.nb.cells[0], 0)
        provisioner = c.km.provisioner
        pid = provisioner.pid
    assert c.nb.cells[0].outputs[0]["text"] == "fin\n"  # every output arrived before the stop
    assert provisioner.process is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_prompt_client_still_waits_for_a_kernel_that_answers(pool, tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"print({i})")
                                         for i in range(3)])
    c = NotebookClient(nb, resources={"metadata": {"path": str(tmp_path)}})
    with c.setup_kernel():
        for index, cell in enumerate(nb.cells):
            c.execute_cell(cell, index)
    assert [cell.outputs[0]["text"] for cell in nb.cells] == ["0\n", "1\n", "2\n"]
