"""Provenance records: which data each published table or figure was computed from.

Each :func:`record` call writes ``<provenance dir>/<kind>-<name>.json`` with the
SHA-256 of the input files and of the outputs; the build gathers them into the
provenance manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from therapybook import data


def provenance_dir() -> Path:
    """Folder where records are written (``_build/provenance`` unless overridden)."""
    return Path(os.environ.get("THERAPYBOOK_PROVENANCE_DIR", data.ROOT / "_build" / "provenance"))


def figures_dir() -> Path:
    """Folder where figures are written (``figures/`` unless ``THERAPYBOOK_FIGURES`` is set)."""
    return Path(os.environ.get("THERAPYBOOK_FIGURES", data.ROOT / "figures"))


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _rel(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(data.ROOT))
    except ValueError:
        return Path(path).name  # outside the repository (real data): never publish the path


def record(
    kind: str,
    name: str,
    *,
    caption: str,
    sources: Sequence[str],
    outputs: Iterable[Path] = (),
) -> dict:
    """Write and return the provenance record of one table or figure."""
    inputs = []
    for res in sources:
        path = data.resource_path(res)
        inputs.append({"resource": res, "path": _rel(path), "sha256": sha256(path),
                       "synthetic": bool(data.resource(res).get("synthetic", False)),
                       "user_supplied": data.is_overridden(res)})
    rec = {
        "kind": kind,
        "name": name,
        "caption": caption,
        "inputs": inputs,
        "outputs": [{"path": _rel(p), "sha256": sha256(p)} for p in outputs],
    }
    folder = provenance_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{kind}-{name}.json").write_text(
        json.dumps(rec, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return rec
