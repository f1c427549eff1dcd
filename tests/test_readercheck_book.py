"""Zero findings of the reader checks on the whole built book (issue 10, acceptance 1, 4, 6).

The rules themselves are tested on small pages in ``test_readercheck.py``; this runs them on
the session's built book: the typography lint and the register check over the visible text
of Parts I and II, and the own-words check on the sources and the built chapters.
"""

from __future__ import annotations

import pytest

import readercheck as rc

pytestmark = pytest.mark.build


def _report(found) -> str:
    return "\n".join(str(f) for f in found[:200]) + (
        f"\n… et {len(found) - 200} autre(s)" if len(found) > 200 else "")


@pytest.mark.parametrize("check", ["typography", "register", "own-words"])
def test_reader_checks_find_nothing_on_the_built_book(book, check):
    found = rc.run(book / "_build" / "html", (check,))
    assert found == [], _report(found)
