"""Memoised lookups give the answers the uncached code gives."""

from __future__ import annotations

import snowballstemmer
from pybtex.plugin import Plugin, find_plugin, register_plugin
from sphinx.search.fr import SearchFrench

from bookbuild.sphinx import bibtex_plugins


def test_pybtex_plugins_are_found_once_and_runtime_plugins_still_win():
    bibtex_plugins.cache_pybtex_plugins()
    plain = find_plugin("pybtex.style.formatting", "plain")
    assert plain.__name__ == "Style" and find_plugin("pybtex.style.formatting", "plain") is plain

    class Ours(Plugin):
        pass

    register_plugin("pybtex.style.formatting", "therapybook-test", Ours)
    assert find_plugin("pybtex.style.formatting", "therapybook-test") is Ours


def test_french_stems_are_those_of_the_snowball_stemmer():
    bibtex_plugins.cache_french_stems()
    lang = SearchFrench({})
    reference = snowballstemmer.stemmer("french")
    for word in ["Réfractaires", "myélome", "réfractaires", "lymphocytes", "myélome"]:
        assert lang.stem(word) == reference.stemWord(word.lower())
