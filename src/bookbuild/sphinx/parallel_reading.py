"""Sphinx extension: let ``-j N`` read and execute chapters on several processes.

sphinx-multitoc-numbering (loaded by Jupyter Book) declares no parallel safety, so
Sphinx warns and falls back to a serial read — and a warning fails our ``-W`` build.
The extension only replaces ``TocTreeCollector.assign_section_numbers``, which runs
in the main process after reading: it is safe for parallel reading and writing, and
this module says so. Notebook execution happens while reading; jupyter-cache stores
results in SQLite, whose file locking serialises the short writes of the workers
(the build creates the database before the workers start).

Kernels started at the same time by several workers (or several builds on the same
machine) race for TCP ports: a kernel can die with « Address already in use ». They
talk to the build through Unix sockets instead (``KernelManager.transport = "ipc"``),
whose names derive from each kernel's unique connection file.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

SAFE = ("sphinx_multitoc_numbering",)


def _declare(app: Sphinx, config: Config) -> None:
    for name in SAFE:
        ext = app.extensions.get(name)
        if ext is not None:
            ext.parallel_read_safe = True
            ext.parallel_write_safe = True


def use_ipc_kernels() -> None:
    """Make every kernel started by this process (and its forks) use Unix sockets.

    Each kernel gets an absolute, unique socket prefix (the kernel runs in its
    chapter's folder, the client in the build's: a relative name would differ).
    """
    from jupyter_client.manager import KernelManager

    if getattr(KernelManager, "_therapybook_ipc", False):
        return
    KernelManager.transport.default_value = "ipc"
    original = KernelManager.__init__

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if self.transport == "ipc":
            folder = Path(tempfile.gettempdir()) / f"therapybook-ipc-{os.getuid()}"
            folder.mkdir(mode=0o700, exist_ok=True)
            self.ip = str(folder / f"k-{uuid.uuid4().hex[:16]}")

    KernelManager.__init__ = __init__
    KernelManager._therapybook_ipc = True


def _cost(app: Sphinx, docname: str) -> tuple[bool, int]:
    """(executes code?, size): a chapter that executes code costs far more than text."""
    try:
        text = Path(app.env.doc2path(docname)).read_text(encoding="utf-8")
    except OSError:
        return False, 0
    return "```{code-cell}" in text, len(text)


def balance_chunks(app: Sphinx) -> None:
    """Hand chapters to the workers one notebook per task, the largest first.

    Sphinx cuts the sorted list of documents into a few large chunks, so all the
    heavy chapters of one part can land on the same worker while the other idles.
    One notebook per task (plain pages grouped) lets an idle worker pick up the
    next one; the largest-first order keeps both cores busy to the end.
    """
    import sphinx.builders

    if getattr(sphinx.builders.make_chunks, "_therapybook", False):
        return
    original = sphinx.builders.make_chunks

    def make_chunks(arguments, nproc, maxbatch=10):
        if nproc <= 1:
            return original(arguments, nproc, maxbatch)
        costs = {d: _cost(app, d) for d in arguments}
        order = sorted(arguments, key=lambda d: (not costs[d][0], -costs[d][1], d))
        heavy = [[d] for d in order if costs[d][0]]
        light = [d for d in order if not costs[d][0]]
        return heavy + [light[i:i + maxbatch] for i in range(0, len(light), maxbatch)]

    make_chunks._therapybook = True
    sphinx.builders.make_chunks = make_chunks


def setup(app: Sphinx) -> dict:
    use_ipc_kernels()
    app.connect("config-inited", _declare)
    app.connect("builder-inited", balance_chunks)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
