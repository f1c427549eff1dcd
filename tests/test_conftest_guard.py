"""The session guard sees any file a test adds, removes or rewrites in the working tree."""

from __future__ import annotations

import os

from conftest import tree_changes, tree_state


def test_guard_lists_added_removed_and_rewritten_files(tmp_path):
    for part in ("data", "figures", "_build/provenance"):
        (tmp_path / part).mkdir(parents=True)
    (tmp_path / "data" / "a.csv").write_text("x\n1\n")
    (tmp_path / "figures" / "f.svg").write_text("<svg/>")
    (tmp_path / "elsewhere.txt").write_text("not guarded")
    before = tree_state(tmp_path)
    assert tree_changes(before, tree_state(tmp_path)) == []
    (tmp_path / "data" / "a.csv").write_text("x\n1\n")  # same bytes, rewritten
    st = (tmp_path / "data" / "a.csv").stat()
    os.utime(tmp_path / "data" / "a.csv", ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    (tmp_path / "figures" / "f.svg").unlink()
    (tmp_path / "_build" / "provenance" / "figure-x.json").write_text("{}")
    (tmp_path / "elsewhere.txt").write_text("changed, not guarded")
    assert tree_changes(before, tree_state(tmp_path)) == [
        "ajouté : _build/provenance/figure-x.json",
        "supprimé : figures/f.svg",
        "modifié : data/a.csv",
    ]


def test_in_process_outputs_go_to_scratch_folders(root):
    from therapybook.render import provenance

    for folder in (provenance.figures_dir(), provenance.provenance_dir()):
        assert not folder.resolve().is_relative_to(root.resolve())
