"""A chapter's execution key covers its data and the runtime library, nothing else."""

from __future__ import annotations

from pathlib import Path

import bookbuild
import cohortgen
import therapybook
from bookbuild.sphinx import chapter_inputs

CHAPTER = Path(therapybook.__file__).resolve().parents[2] / "chapters/these/07-infections.md"


def _package_files(module) -> set[Path]:
    return set(Path(module.__file__).resolve().parent.rglob("*.py"))


def test_inputs_are_data_descriptor_and_runtime_library_only():
    inputs = set(chapter_inputs.inputs_of(CHAPTER.read_text(encoding="utf-8")))
    runtime = _package_files(therapybook)
    assert runtime <= inputs
    assert not inputs & (_package_files(bookbuild) | _package_files(cohortgen))
    data_files = {p for p in inputs - runtime}
    assert {p.name for p in data_files} == {"datapackage.json", "infections_essais.csv",
                                            "prevention_infections.csv", "libelles_these.csv",
                                            "published.csv", "verifications.csv"}


def test_key_changes_with_runtime_code_not_with_build_tooling(tmp_path, monkeypatch):
    runtime = tmp_path / "therapybook"
    (runtime / "render").mkdir(parents=True)
    module = runtime / "render" / "fmt.py"
    module.write_text("X = 1\n")
    tooling = tmp_path / "bookbuild" / "bench.py"
    tooling.parent.mkdir()
    tooling.write_text("Y = 1\n")
    monkeypatch.setattr(chapter_inputs, "RUNTIME_DIR", runtime)
    source = CHAPTER.read_text(encoding="utf-8")
    before = chapter_inputs.digest(chapter_inputs.inputs_of(source))
    tooling.write_text("Y = 2\n")
    assert chapter_inputs.digest(chapter_inputs.inputs_of(source)) == before
    module.write_text("X = 2\n")
    assert chapter_inputs.digest(chapter_inputs.inputs_of(source)) != before
