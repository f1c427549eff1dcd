"""Sphinx extension: the data mode as a Sphinx tag, for pages whose text depends on it.

In real-data mode (the cohort resource read from the file named by its environment
variable, see :func:`therapybook.data.is_overridden`) the tag ``donnees_reelles`` is set,
so a page can hold text that is true of the shipped pseudo-cohorts only in a standard
``{only} not donnees_reelles`` block. The execution cache already keys chapters on the
cohort file they read; the tag only selects text.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.config import Config

from therapybook import data

TAG = "donnees_reelles"


def _tag(app: Sphinx, config: Config) -> None:
    if data.is_overridden("retrospective_cohort"):
        app.tags.add(TAG)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _tag)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
