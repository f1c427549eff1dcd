"""Sphinx extension: the provenance manifest of every table and figure of the book.

During execution, :func:`therapybook.render.provenance.record` leaves one JSON record per
published table or figure in the provenance folder. Records of chapters served
from the execution cache persist from earlier runs; a record whose label
(``tbl-<name>`` / ``fig-<name>``) no longer appears in the built book is stale and
is deleted. At write time (when every chapter has been read and numbered) this
extension:

- replaces the ``{provenance-manifest}`` placeholder with the list of every table
  and figure — number and caption as Sphinx assigned them, chapter, input data
  files with SHA-256, output SHA-256 — so the page lists chapters read after it;
- writes ``provenance.json`` at the root of the output folder (the build copies it
  to ``<build dir>/provenance.json``) and, in HTML, copies each data file that may
  be published (synthetic or transcribed from the source documents, never a
  user-supplied cohort) under ``donnees/`` for download.

It also keeps the side effects (records, figure files) of each chapter under the
digest of its inputs and restores them when a chapter is served from the execution
cache (see ``_snapshot``), so a page never shows the figure of another execution.

Output hash: for a figure, SHA-256 of each file written (SVG, PNG); for a table,
SHA-256 of its rendered text (cells separated by a tab, rows by a newline).
The manifest holds no timestamp, so two builds of the same sources are identical.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import uuid
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from therapybook import __version__, data
from therapybook.render import provenance

logger = logging.getLogger(__name__)
KINDS = {"figure": ("fig-", "figure"), "table": ("tbl-", "table")}
DOWNLOAD_DIR = "donnees"
MANIFEST = "provenance.json"


class manifest_placeholder(nodes.General, nodes.Element):  # noqa: N801 (docutils style)
    """Replaced by the manifest when the page is written."""


class ManifestDirective(Directive):
    """``{provenance-manifest}``: where the manifest goes on the page."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        env = self.state.document.settings.env
        _docs(env).add(env.docname)
        return [manifest_placeholder()]


def _docs(env: BuildEnvironment) -> set[str]:
    if not hasattr(env, "therapybook_manifest_docs"):
        env.therapybook_manifest_docs = set()
    return env.therapybook_manifest_docs


def git_commit(root: Path = data.ROOT) -> str:
    """``git rev-parse HEAD`` of the sources, or ``"unknown"`` outside a git checkout."""
    try:
        proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                              text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    out = proc.stdout.strip()
    return out if proc.returncode == 0 and out else "unknown"


def _toc_order(env: BuildEnvironment) -> list[str]:
    """Docnames in reading order (depth-first through the toctrees)."""
    order: list[str] = []

    def walk(doc: str) -> None:
        if doc in order:
            return
        order.append(doc)
        for child in env.toctree_includes.get(doc, []):
            walk(child)

    walk(env.config.root_doc)
    return order + sorted(set(env.found_docs) - set(order))


def _find(doctree: nodes.Node, node_id: str) -> nodes.Element | None:
    for node in doctree.findall(nodes.Element):
        if node_id in node.get("ids", []):
            return node
    return None


def _caption(node: nodes.Element | None) -> str | None:
    if node is None:
        return None
    for child in node.children:
        if isinstance(child, nodes.caption | nodes.title):
            return " ".join(child.astext().split())
    return None


def _table_text(node: nodes.Element | None) -> str | None:
    if node is None:
        return None
    rows = ["\t".join(" ".join(e.astext().split()) for e in row.findall(nodes.entry))
            for row in node.findall(nodes.row)]
    return "\n".join(rows)


def _sha_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _load_records(folder: Path) -> list[tuple[Path, dict]]:
    out = []
    for path in sorted(folder.glob("*.json")):
        try:
            out.append((path, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, json.JSONDecodeError):
            logger.warning(f"[provenance] enregistrement illisible : {path}")
    return out


def collect(app: Sphinx, *, prune: bool = False) -> dict:
    """Build the manifest from the records and the environment.

    With ``prune``, delete the records whose table or figure is no longer in the book.
    """
    env = app.env
    labels = env.domaindata["std"]["labels"]
    order = {doc: i for i, doc in enumerate(_toc_order(env))}
    numfmt = app.config.numfig_format
    doctrees: dict[str, nodes.document] = {}
    positions: dict[str, dict[str, int]] = {}
    items = []
    files: dict[str, dict] = {}
    for path, rec in _load_records(provenance.provenance_dir()):
        prefix, figtype = KINDS.get(rec.get("kind"), (None, None))
        label = f"{prefix}{rec.get('name')}"
        if prefix is None or label not in labels:
            if prune:
                path.unlink(missing_ok=True)
            continue
        docname, node_id, _section = labels[label]
        if docname not in doctrees:
            doctrees[docname] = env.get_doctree(docname)
            positions[docname] = {i: n for n, el in enumerate(doctrees[docname].findall(
                nodes.Element)) for i in el.get("ids", [])}
        node = _find(doctrees[docname], node_id)
        number = env.toc_fignumbers.get(docname, {}).get(figtype, {}).get(node_id)
        number_text = ".".join(map(str, number)) if number else None
        outputs = []
        for out in rec.get("outputs", []):
            current = data.ROOT / out["path"]
            sha = provenance.sha256(current) if current.exists() else None
            if prune and sha != out["sha256"]:
                logger.warning(f"[provenance] {out['path']} ne correspond plus à son "
                               f"enregistrement ({label}) : reconstruire le chapitre {docname}")
            outputs.append({"path": out["path"], "sha256": out["sha256"]})
        if figtype == "table":
            text = _table_text(node)
            if text is not None:
                outputs.append({"path": None, "rendered_text_sha256": _sha_text(text)})
        inputs = []
        for inp in rec.get("inputs", []):
            entry = {k: inp[k] for k in ("resource", "path", "sha256", "synthetic",
                                         "user_supplied")}
            try:
                entry["document"] = data.resource(inp["resource"]).get(
                    "provenance", {}).get("document")
            except KeyError:
                entry["document"] = None
            inputs.append(entry)
            if not inp["user_supplied"]:
                current = data.ROOT / inp["path"]
                stale = not current.exists() or provenance.sha256(current) != inp["sha256"]
                if prune and stale:
                    logger.warning(f"[provenance] {inp['path']} a changé depuis l'exécution "
                                   f"qui a produit {label} ({docname})")
                files.setdefault(inp["path"], {"path": inp["path"], "sha256": inp["sha256"],
                                               "resources": []})
                if inp["resource"] not in files[inp["path"]]["resources"]:
                    files[inp["path"]]["resources"].append(inp["resource"])
        caption = _caption(node) or rec.get("caption")
        items.append({
            "kind": rec["kind"],
            "name": rec["name"],
            "label": label,
            "number": number_text,
            "numbered_caption": (numfmt[figtype] % number_text) if number_text else None,
            "caption": caption,
            "chapter": docname,
            "chapter_title": env.titles[docname].astext() if docname in env.titles else None,
            "node_id": node_id,
            "_position": positions[docname].get(node_id, 0),
            "inputs": inputs,
            "outputs": outputs,
        })

    items.sort(key=lambda it: (order.get(it["chapter"], len(order)), it["_position"]))
    for item in items:
        del item["_position"]
    descriptor = data.DESCRIPTOR
    return {
        "package": {"name": "therapybook", "version": __version__},
        "git_commit": git_commit(),
        "descriptor": {"path": "data/datapackage.json", "sha256": provenance.sha256(descriptor)},
        "data_files": [files[p] for p in sorted(files)],
        "items": items,
    }


# --------------------------------------------------------------------------- rendering
def _literal(text: str) -> nodes.literal:
    return nodes.literal(text, text)


def _para(*children: nodes.Node) -> nodes.paragraph:
    p = nodes.paragraph()
    p.extend(children)
    return p


def _render(app: Sphinx, manifest: dict, fromdoc: str) -> list[nodes.Node]:
    html = app.builder.format == "html"
    depth = "../" * fromdoc.count("/")

    def link(text: str, uri: str) -> nodes.Node:
        if not html:
            return _literal(text)
        ref = nodes.reference("", "", internal=True, refuri=uri)
        ref += _literal(text)
        return ref

    out: list[nodes.Node] = []
    out.append(_para(
        nodes.Text("Version du paquet : "), _literal(manifest["package"]["version"]),
        nodes.Text(" ; commit git des sources : "), _literal(manifest["git_commit"]),
        nodes.Text(" ; descripteur "), link("data/datapackage.json",
                                              f"{depth}{DOWNLOAD_DIR}/datapackage.json"),
        nodes.Text(" (SHA-256 "), _literal(manifest["descriptor"]["sha256"]), nodes.Text(")."),
    ))
    if html:
        out.append(_para(nodes.Text("Le manifeste complet, lisible par une machine : "),
                         link(MANIFEST, f"{depth}{MANIFEST}"), nodes.Text(".")))
    chapter = None
    items_list: nodes.bullet_list | None = None
    for item in manifest["items"]:
        if item["chapter"] != chapter:
            chapter = item["chapter"]
            out.append(nodes.rubric("", item["chapter_title"] or chapter))
            items_list = nodes.bullet_list()
            out.append(items_list)
        title = item["numbered_caption"] or item["label"]
        head = nodes.paragraph()
        if html:
            uri = app.builder.get_relative_uri(fromdoc, item["chapter"]) + "#" + item["node_id"]
            ref = nodes.reference("", "", internal=True, refuri=uri)
            ref += nodes.strong(title, title)
            head += ref
        else:
            head += nodes.strong(title, title)
        head += nodes.Text(f" — {item['caption'] or ''}")
        details = nodes.bullet_list()
        for inp in item["inputs"]:
            if inp["user_supplied"]:
                body = _para(nodes.Text("Données fournies par l'utilisateur (non publiées) : "),
                             _literal(inp["resource"]))
            else:
                body = _para(nodes.Text("Données : "),
                             link(inp["path"], depth + _download_path(inp["path"])))
                if inp["synthetic"]:
                    body += nodes.Text(" (synthétiques)")
            body += nodes.Text(" — SHA-256 ")
            body += _literal(inp["sha256"])
            details += nodes.list_item("", body)
        for outp in item["outputs"]:
            if outp["path"]:
                body = _para(nodes.Text("Sortie : "), _literal(outp["path"]),
                             nodes.Text(" — SHA-256 "), _literal(outp["sha256"]))
            else:
                body = _para(nodes.Text("Sortie (texte du tableau) — SHA-256 "),
                             _literal(outp["rendered_text_sha256"]))
            details += nodes.list_item("", body)
        entry = nodes.list_item()
        entry += head
        entry += details
        assert items_list is not None
        items_list += entry
    if not manifest["items"]:
        out.append(_para(nodes.Text("Aucun tableau ni aucune figure publiés.")))
    return out


def _download_path(path: str) -> str:
    rel = Path(path)
    if rel.parts and rel.parts[0] == "data":
        rel = Path(*rel.parts[1:])
    return f"{DOWNLOAD_DIR}/{rel.as_posix()}"


# --------------------------------------------------------------------------- events
def _updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    return sorted(_docs(env))  # rewritten at every build: it lists every other page


def _resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    placeholders = list(doctree.findall(manifest_placeholder))
    if not placeholders:
        return
    manifest = collect(app)
    for node in placeholders:
        node.replace_self(_render(app, manifest, docname))


def _finished(app: Sphinx, exc: Exception | None) -> None:
    if exc is not None:
        return
    manifest = collect(app, prune=True)
    _snapshot(app)
    outdir = Path(app.outdir)
    (outdir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                   encoding="utf-8")
    if app.builder.format != "html":
        return
    target = outdir / DOWNLOAD_DIR
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copyfile(data.DESCRIPTOR, target / "datapackage.json")
    for entry in manifest["data_files"]:
        dest = outdir / _download_path(entry["path"])
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data.ROOT / entry["path"], dest)


# --------------------------------------------------------------------------- side effects
# A chapter served from the execution cache does not rewrite its figure files and
# provenance records: after a round trip (value changed then restored, or real-data
# mode then pseudo-cohort) the files on disk would be those of the other execution —
# the page would show another run's figure. Each consistent state is therefore kept
# under ``<provenance dir>/.store/<chapter input digest>/`` at the end of a build and
# put back when the chapter is read again with the same inputs.
STORE = ".store"


def _store(key: str) -> Path:
    return provenance.provenance_dir() / STORE / key


def _consistent(rec: dict) -> bool:
    for inp in rec.get("inputs", []):
        if inp.get("user_supplied"):
            continue
        path = data.ROOT / inp["path"]
        if not path.exists() or provenance.sha256(path) != inp["sha256"]:
            return False
    for out in rec.get("outputs", []):
        path = data.ROOT / out["path"]
        if not path.exists() or provenance.sha256(path) != out["sha256"]:
            return False
    return True


def _snapshot(app: Sphinx) -> None:
    """Keep each executed chapter's records and figure files under its input digest."""
    labels = app.env.domaindata["std"]["labels"]
    by_doc: dict[str, list[tuple[Path, dict]]] = {}
    for path, rec in _load_records(provenance.provenance_dir()):
        prefix, _figtype = KINDS.get(rec.get("kind"), (None, None))
        label = f"{prefix}{rec.get('name')}"
        if prefix and label in labels:
            by_doc.setdefault(labels[label][0], []).append((path, rec))
    for docname, (_src, key) in getattr(app.env, "therapybook_inputs", {}).items():
        records = by_doc.get(docname, [])
        if not records or not all(_consistent(rec) for _p, rec in records):
            continue
        store = _store(key)
        tmp = store.with_name(store.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        (tmp / "records").mkdir(parents=True)
        for path, rec in records:
            shutil.copyfile(path, tmp / "records" / path.name)
            for out in rec.get("outputs", []):
                dest = tmp / "outputs" / out["path"]
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(data.ROOT / out["path"], dest)
        shutil.rmtree(store, ignore_errors=True)
        tmp.rename(store)


def side_effect_problem(rec: dict) -> str | None:
    """Why a record no longer describes this build's files (``None`` if it does).

    A record is trusted only if each output lies in this build's figures folder and
    still has the recorded hash: chapter code run outside the build (by hand, or by a
    test with other folders) may have rewritten the record or the files.
    """
    figures = provenance.figures_dir().resolve()
    for out in rec.get("outputs", []):
        path = (data.ROOT / out["path"]).resolve()
        if not path.is_relative_to(figures):
            return f"sortie {out['path']} hors du dossier des figures {figures}"
        if not path.exists():
            return f"sortie {out['path']} absente"
        if provenance.sha256(path) != out["sha256"]:
            return f"sortie {out['path']} modifiée"
    return None


def _outdated(app: Sphinx, env: BuildEnvironment, added, changed, removed) -> list[str]:
    """Chapters whose records no longer describe this build's files: re-read, re-executed."""
    labels = env.domaindata["std"]["labels"]
    rerun: dict[str, str] = {}
    for _path, rec in _load_records(provenance.provenance_dir()):
        prefix, _figtype = KINDS.get(rec.get("kind"), (None, None))
        label = f"{prefix}{rec.get('name')}"
        if prefix is None or label not in labels:
            continue
        docname = labels[label][0]
        if docname in rerun or docname in removed:
            continue
        problem = side_effect_problem(rec)
        if problem:
            rerun[docname] = problem
            logger.info(f"[provenance] {docname} : l'enregistrement {label} ne correspond plus "
                        f"à cette construction ({problem}) ; le chapitre est réexécuté.")
    env.therapybook_rerun = set(rerun)
    return sorted(rerun)


def _restore(app: Sphinx, docname: str, source: list[str]) -> None:
    """Put back the side effects kept for this chapter's current inputs, if any.

    A chapter whose records are stale (see :func:`_outdated`) is executed again
    instead: a hidden cell that changes at each such build bypasses the execution cache.
    """
    if docname in getattr(app.env, "therapybook_rerun", set()):
        source[0] = (source[0].rstrip("\n") + "\n\n```{code-cell} ipython3\n:tags: [remove-cell]\n"
                     + f"# therapybook: stale side effects, run {uuid.uuid4().hex}\n```\n")
        return
    entry = getattr(app.env, "therapybook_inputs", {}).get(docname)
    if not entry or not _store(entry[1]).is_dir():
        return
    store = _store(entry[1])
    for rec in sorted((store / "records").glob("*.json")):
        shutil.copyfile(rec, provenance.provenance_dir() / rec.name)
    outputs = store / "outputs"
    if outputs.is_dir():
        for f in sorted(p for p in outputs.rglob("*") if p.is_file()):
            dest = data.ROOT / f.relative_to(outputs)
            if not dest.exists() or dest.read_bytes() != f.read_bytes():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(f, dest)


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _docs(env).discard(docname)


def _merge(app: Sphinx, env: BuildEnvironment, docnames, other: BuildEnvironment) -> None:
    _docs(env).update(d for d in _docs(other) if d in docnames)


def setup(app: Sphinx) -> dict:
    app.add_node(manifest_placeholder)
    app.add_directive("provenance-manifest", ManifestDirective)
    app.connect("source-read", _restore, priority=600)  # after chapter_inputs' digest
    app.connect("env-get-updated", _updated)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("doctree-resolved", _resolved)
    app.connect("build-finished", _finished)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True,
            "env_version": 1}
