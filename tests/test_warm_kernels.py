"""Warm kernels: a kernel forked by the pool behaves like one jupyter_client would start."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from bookbuild import warm_kernels
from bookbuild.sphinx import parallel_reading

PROBE = ("import os, sys, matplotlib\n"
         "print(os.getcwd(), os.getppid(), os.environ.get('THERAPYBOOK_PROBE'), "
         "matplotlib.get_backend(), 'therapybook' in sys.modules, sep='|')")


@pytest.fixture(scope="module")
def pool():
    parallel_reading.use_ipc_kernels()
    warm_kernels.install()
    warm_kernels.stop_kernels_immediately()
    with warm_kernels.running() as path:
        assert path and os.environ[warm_kernels.ENV] == path
        yield path
    assert warm_kernels.ENV not in os.environ
    assert not Path(path).exists()


def execute(source: str, cwd: Path) -> str:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    NotebookClient(nb, resources={"metadata": {"path": str(cwd)}}, timeout=60).execute()
    return "".join(o.get("text", "") for o in nb.cells[0].outputs).strip()


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
    cwd, ppid, probe, backend, package = execute(PROBE, tmp_path).split("|")
    assert Path(cwd) == tmp_path
    assert probe == "valeur-du-moment"
    assert backend == "module://matplotlib_inline.backend_inline"  # as a fresh kernel
    assert package == "False"  # the book's package is imported by the chapter, not the pool
    assert int(ppid) != os.getpid()  # forked by the pool, not started by this process


def test_a_failing_cell_still_fails(pool, tmp_path):
    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        execute("1 / 0", tmp_path)


def test_a_failed_pool_falls_back_to_ordinary_kernels(tmp_path, monkeypatch):
    parallel_reading.use_ipc_kernels()
    warm_kernels.install()
    path = tmp_path / "pool.sock"
    (tmp_path / "pool.sock.failed").touch()
    monkeypatch.setenv(warm_kernels.ENV, str(path))
    monkeypatch.setenv("THERAPYBOOK_PROBE", "sans-pool")
    _, ppid, probe, _, _ = execute(PROBE, tmp_path).split("|")
    assert probe == "sans-pool" and int(ppid) == os.getpid()


def test_forked_and_ordinary_kernels_see_the_same_import_path(pool, tmp_path, monkeypatch):
    probe = "import sys; print(sys.path)"
    forked = execute(probe, tmp_path)
    monkeypatch.setenv(warm_kernels.ENV, str(tmp_path / "absent.sock"))
    (tmp_path / "absent.sock.failed").touch()
    assert execute(probe, tmp_path) == forked


def test_kernels_are_stopped_at_once_after_their_last_cell(pool, tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('fin')")])
    client = NotebookClient(nb, resources={"metadata": {"path": str(tmp_path)}})
    assert client.shutdown_kernel == "immediate"
    client.execute()
    assert nb.cells[0].outputs[0]["text"] == "fin\n"  # every output arrived before the kill


def test_a_prompt_client_still_waits_for_a_kernel_that_answers(pool, tmp_path):
    warm_kernels.prompt_readiness()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"print({i})")
                                         for i in range(3)])
    client = NotebookClient(nb, resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel():
        assert type(client.kc).__name__ == "PromptKernelClient"
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
    assert [c.outputs[0]["text"] for c in nb.cells] == ["0\n", "1\n", "2\n"]
