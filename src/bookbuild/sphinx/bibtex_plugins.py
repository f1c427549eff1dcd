"""Sphinx extension: remember answers the build would otherwise recompute many times.

- sphinxcontrib-bibtex asks pybtex for its style plugins each time it resolves a
  citation, and pybtex answers by scanning every installed package's entry points
  (about 10 ms each time): some 400 citations cost 4 s on one core. The answer
  depends only on the installed packages. Plugins registered at run time
  (``pybtex.plugin.register_plugin``) are still looked up first, as pybtex does.
- Sphinx resolves each ``{numref}`` by unpickling the whole target page (30 ms) to
  read the target's node type and id; the pages read for that are kept (read-only)
  until the next reading phase.
- Sphinx's search index stems each word of each page with the pure-Python French
  Snowball stemmer, remembering stems page by page only; a word's stem never
  changes, so it is remembered for the whole build.
"""

from __future__ import annotations

import functools

from sphinx.application import Sphinx


def cache_pybtex_plugins() -> None:
    """Memoise the entry-point scan that pybtex's ``find_plugin`` runs."""
    import pybtex.plugin

    if getattr(pybtex.plugin.entry_points, "_therapybook", False):
        return
    scan = pybtex.plugin.entry_points

    @functools.cache
    def _cached(group: str, name: str) -> tuple:
        return tuple(scan(group=group, name=name))

    def entry_points(*, group: str, name: str) -> tuple:
        return _cached(group, name)

    entry_points._therapybook = True
    pybtex.plugin.entry_points = entry_points


def cache_french_stems() -> None:
    """Memoise the French stemmer of the search index across pages."""
    from sphinx.search.fr import SearchFrench

    if getattr(SearchFrench.stem, "_therapybook", False):
        return
    original = SearchFrench.stem
    stems: dict[str, str] = {}

    def stem(self, word: str) -> str:
        try:
            return stems[word]
        except KeyError:
            stems[word] = result = original(self, word)
            return result

    stem._therapybook = True
    SearchFrench.stem = stem


_NUMREF_DOCTREES: dict[str, object] = {}


def cache_numref_targets() -> None:
    """Unpickle each page once for all the ``numref`` references that point into it."""
    from sphinx.domains.std import StandardDomain

    if getattr(StandardDomain._resolve_numref_xref, "_therapybook", False):
        return
    original = StandardDomain._resolve_numref_xref

    def _resolve_numref_xref(self, env, *args, **kwargs):
        read = env.get_doctree

        def get_doctree(docname: str):
            if docname not in _NUMREF_DOCTREES:
                _NUMREF_DOCTREES[docname] = read(docname)
            return _NUMREF_DOCTREES[docname]

        env.get_doctree = get_doctree  # only this call sees the shared, unmodified copy
        try:
            return original(self, env, *args, **kwargs)
        finally:
            del env.get_doctree

    _resolve_numref_xref._therapybook = True
    StandardDomain._resolve_numref_xref = _resolve_numref_xref


def _forget_doctrees(*_: object) -> None:
    _NUMREF_DOCTREES.clear()


def setup(app: Sphinx) -> dict:
    cache_pybtex_plugins()
    cache_french_stems()
    cache_numref_targets()
    app.connect("env-updated", _forget_doctrees)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
