"""The provenance manifest lists every table and figure of the built book."""

from __future__ import annotations

import hashlib
import re

import conftest
from conftest import manifest

LABEL = re.compile(r'<(?:figure|table)[^>]*\bid="((?:fig|tbl)-[\w-]+)"')


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_table_and_figure_is_in_the_manifest_and_its_page(book):
    html = book / "_build" / "html"
    labels = {m for p in html.rglob("*.html") for m in LABEL.findall(p.read_text("utf-8"))}
    found = manifest(book)
    items = {it["label"]: it for it in found["items"]}
    assert labels, "aucun tableau ni figure numérotés dans le livre"
    assert labels <= set(items), f"absents du manifeste : {sorted(labels - set(items))}"
    page = (html / "chapters" / "annexes" / "provenance.html").read_text(encoding="utf-8")
    for label in labels:
        it = items[label]
        assert it["number"] and it["caption"] and it["chapter"], it
        assert it["numbered_caption"] in page and f'#{it["node_id"]}"' in page, label
        assert it["outputs"], label
        for out in it["outputs"]:
            if out["path"]:
                assert _sha(book / out["path"]) == out["sha256"], out
        for inp in it["inputs"]:
            assert inp["sha256"] in page
    assert found["git_commit"] == "unknown"  # the scratch copy is not a git checkout
    assert (html / "provenance.json").read_bytes() == (book / "_build" / "provenance.json"
                                                       ).read_bytes()


def test_published_data_files_are_downloadable_and_match(book):
    html = book / "_build" / "html"
    found = manifest(book)
    assert found["data_files"]
    for entry in found["data_files"]:
        copy = html / "donnees" / entry["path"].removeprefix("data/")
        assert copy.exists() and _sha(copy) == entry["sha256"] == _sha(book / entry["path"])


def test_stale_records_are_pruned(rebuilt_book):
    """A record of a table that left the book (written before the rebuild) is deleted."""
    book = rebuilt_book.book
    assert not (book / "_build" / "provenance" / conftest.STALE_RECORD).exists()
    assert "tbl-tableau-supprime" not in {it["label"] for it in manifest(book)["items"]}
    assert manifest(book)["items"]
