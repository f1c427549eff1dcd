"""Sphinx extension: keep both cores busy while ``-j N`` reads and executes the chapters.

Sphinx cuts the list of documents to read into consecutive chunks (``make_chunks``:
22 documents on 2 processes make chunks of 10, 10 and 2) and hands each chunk to
one process; in alphabetical order, the heavy chapters of one part can land in the
same chunk while the other process idles. Sphinx lets an extension reorder that
list in place (the ``env-before-read-docs`` event): here the chapters that execute
code are spread over the first chunks, the largest first and each to the lightest
chunk, and the pages without code fill the chunks read last.

Sphinx reads on one process (with a warning, which fails this book's build) if any
loaded extension does not declare itself safe for parallel reading.
sphinx-multitoc-numbering, which sphinx-external-toc loads whatever the configuration,
declares nothing; it only replaces how section numbers are assigned, which Sphinx
does in the main process after reading. Sphinx has no public way to declare another
extension's safety, so :func:`declare_parallel_safe` sets it on Sphinx's record of
that extension: the one intervention of the build into another package, listed in
the README with the pinned versions (``pyproject.toml``) and guarded by
``tests/test_parallel_reading.py``.

Reading order changes nothing in the output (``tests/test_reproducible_build.py``
compares a build on one process with one on two). Notebook execution happens while
reading; jupyter-cache stores results in SQLite, whose file locking serialises the
short writes of the workers (the build creates the database before they start).
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util.parallel import make_chunks

#: Extensions loaded by Jupyter Book's own extensions that declare no parallel safety.
UNDECLARED = ("sphinx_multitoc_numbering",)


def declare_parallel_safe(app: Sphinx, config: Config) -> list[str]:
    """Record :data:`UNDECLARED` extensions as safe for parallel reading and writing."""
    declared = []
    for name in UNDECLARED:
        ext = app.extensions.get(name)
        if ext is not None and ext.parallel_read_safe is None:
            ext.parallel_read_safe = ext.parallel_write_safe = True
            declared.append(name)
    return declared


def cost(env: BuildEnvironment, docname: str) -> int:
    """Estimated cost of reading a document: its size if it executes code, else 0."""
    try:
        text = Path(env.doc2path(docname)).read_text(encoding="utf-8")
    except OSError:
        return 0
    return len(text) if "```{code-cell}" in text else 0


def balanced_order(docnames: list[str], costs: dict[str, int], nproc: int) -> list[str]:
    """``docnames`` reordered so that the processes reading Sphinx's chunks finish together.

    The first ``nproc`` chunks start together, one per process; each later chunk goes
    to the process that is free first, planned here as the one whose first chunk is
    the lightest (the later chunks are shared out from the last process backwards).
    Documents are then placed largest first, each with the process that has the least
    work and room left; a process reads its largest documents in its first chunk.
    """
    sizes = [len(c) for c in make_chunks(list(range(len(docnames))), nproc)]
    plans: list[list[int]] = [[i] for i in range(min(nproc, len(sizes)))]
    for j in range(len(plans), len(sizes)):
        plans[len(plans) - 1 - (j - len(plans)) % len(plans)].append(j)
    room = [sum(sizes[j] for j in plan) for plan in plans]
    docs: list[list[str]] = [[] for _ in plans]
    loads = [0] * len(plans)
    for doc in sorted(docnames, key=lambda d: (-costs[d], d)):
        w = min((w for w in range(len(plans)) if len(docs[w]) < room[w]),
                key=lambda w: (loads[w], w))
        docs[w].append(doc)
        loads[w] += costs[doc]
    chunks: list[list[str]] = [[] for _ in sizes]
    for plan, mine in zip(plans, docs, strict=True):
        for j in plan:
            chunks[j], mine = mine[:sizes[j]], mine[sizes[j]:]
    return [d for chunk in chunks for d in chunk]


def _reorder(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    if app.parallel > 1 and len(docnames) > 1:
        docnames[:] = balanced_order(docnames, {d: cost(env, d) for d in docnames},
                                     app.parallel)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", declare_parallel_safe)
    app.connect("env-before-read-docs", _reorder)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
