"""Sphinx extension: re-execute exactly the chapters whose inputs changed.

jupyter-cache keys a notebook on its code cells only, so a changed CSV or a
changed package module would otherwise be served from the cache. Each chapter's
inputs are: the data files it loads (``load("name")`` or ``source("name", …)`` calls in its code
cells, resolved through the descriptor and the real-data overrides), the
descriptor itself and the runtime library's source (``therapybook``; editing the build
tooling or the generator re-executes nothing). Their combined SHA-256 is appended to
the chapter as a hidden code cell (so the cache key changes with them), and
``env-get-outdated`` makes Sphinx re-read a chapter whose inputs changed.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

import therapybook
from therapybook import data

LOAD_CALL = re.compile(r"""\b(?:load|source)\(\s*["']([\w./-]+)["']""")
#: Helpers of the runtime library that read a resource of their own (``notes.show("T1")``).
IMPLIED = {re.compile(r"\bnotes\.(?:show|appendix|table)\("): "verifications"}
CODE_CELL = re.compile(r"^```\{code-cell\}.*?^```", re.S | re.M)
#: The runtime library that chapters import; build tooling and the generator are not inputs.
RUNTIME_DIR = Path(therapybook.__file__).resolve().parent


def inputs_of(source: str) -> list[Path]:
    """Files a chapter depends on, from the text of the chapter."""
    paths = [data.DESCRIPTOR]
    code = "\n".join(CODE_CELL.findall(source))
    names = set(LOAD_CALL.findall(code)) | {res for call, res in IMPLIED.items()
                                             if call.search(code)}
    for name in sorted(names):
        try:
            paths.append(data.resource_path(name))
        except KeyError:
            continue  # the chapter's own execution reports the unknown resource
    paths += sorted(RUNTIME_DIR.rglob("*.py"))
    return paths


def digest(paths: list[Path]) -> str:
    """SHA-256 over the names and contents of ``paths`` (missing files count too)."""
    h = hashlib.sha256()
    for p in paths:
        h.update(str(p.name).encode())
        h.update(p.read_bytes() if p.exists() else b"<missing>")
    return h.hexdigest()


def _is_notebook(source: str) -> bool:
    return "```{code-cell}" in source


def _source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    if not _is_notebook(source[0]):
        return
    key = digest(inputs_of(source[0]))
    app.env.therapybook_inputs = getattr(app.env, "therapybook_inputs", {})
    app.env.therapybook_inputs[docname] = (str(app.env.doc2path(docname)), key)
    source[0] = (
        source[0].rstrip("\n")
        + "\n\n```{code-cell} ipython3\n:tags: [remove-cell]\n"
        + f"# therapybook inputs sha256: {key}\n```\n"
    )


def _outdated(app: Sphinx, env: BuildEnvironment, added, changed, removed) -> list[str]:
    stale = []
    for docname, (path, key) in getattr(env, "therapybook_inputs", {}).items():
        if docname in changed or docname in removed or not Path(path).exists():
            continue
        if digest(inputs_of(Path(path).read_text(encoding="utf-8"))) != key:
            stale.append(docname)
    return stale


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    getattr(env, "therapybook_inputs", {}).pop(docname, None)


def _merge(app: Sphinx, env: BuildEnvironment, docnames, other: BuildEnvironment) -> None:
    env.therapybook_inputs = getattr(env, "therapybook_inputs", {})
    for d in docnames:
        if d in getattr(other, "therapybook_inputs", {}):
            env.therapybook_inputs[d] = other.therapybook_inputs[d]


def setup(app: Sphinx) -> dict:
    app.connect("source-read", _source_read)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True,
            "env_version": 1}
