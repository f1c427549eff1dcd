"""Sphinx extension: let ``-j N`` read and execute chapters on several processes.

sphinx-multitoc-numbering (loaded by Jupyter Book) declares no parallel safety, so
Sphinx warns and falls back to a serial read — and a warning fails our ``-W`` build.
The extension only replaces ``TocTreeCollector.assign_section_numbers``, which runs
in the main process after reading: it is safe for parallel reading and writing, and
this module says so. Notebook execution happens while reading; jupyter-cache stores
results in SQLite, whose file locking serialises the short writes of the workers.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.config import Config

SAFE = ("sphinx_multitoc_numbering",)


def _declare(app: Sphinx, config: Config) -> None:
    for name in SAFE:
        ext = app.extensions.get(name)
        if ext is not None:
            ext.parallel_read_safe = True
            ext.parallel_write_safe = True


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _declare)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
