import pytest

from therapybook.render import outline


def test_nested_numbering():
    assert outline.numbering([1, 2, 3, 4], [None, None, 2, 2]) == ["1", "2", "2.1", "2.2"]


def test_child_before_parent_is_refused():
    with pytest.raises(ValueError, match="doit la précéder"):
        outline.numbering([1, 2], [2, None])
