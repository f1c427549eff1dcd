"""The French search index is stemmed by PyStemmer (C), with the pure-Python stemmer's stems."""

from __future__ import annotations

import re

import Stemmer
from snowballstemmer.french_stemmer import FrenchStemmer
from sphinx.search.fr import SearchFrench

from conftest import ROOT


def test_sphinx_french_search_uses_pystemmer():
    assert isinstance(SearchFrench({}).stemmer, Stemmer.Stemmer)


def test_stems_of_the_books_words_are_those_of_the_pure_python_stemmer():
    words = set()
    for page in (ROOT / "chapters").rglob("*.md"):
        words |= {w.lower() for w in re.findall(r"\w+", page.read_text(encoding="utf-8"))}
    assert len(words) > 1000
    lang, reference = SearchFrench({}), FrenchStemmer()
    differ = [w for w in sorted(words) if lang.stem(w) != reference.stemWord(w)]
    assert differ == []
