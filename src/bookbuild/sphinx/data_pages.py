"""Sphinx extension: one HTML page per data file, every row with its own anchor.

For each resource of the data package (except a file supplied by the user in real-data
mode, never published) the HTML build writes ``chapters/annexes/donnees/<resource>.html``
through the ``html-collect-pages`` event: the resource's title, provenance and download
link, then its rows as they stand in the file, each row ``<tr id="<resource>-ligne-<n>">``
(:func:`therapybook.render.anchors.row_id`, ``n`` = line in the file, header = 1). A file
of more than :data:`TABLE_ROWS` rows (the ensemble of pseudo-cohorts: 4 500 rows, some
100 000 table cells, a page that took seconds to open) is shown as its lines of text, each
line with the same anchor, so the page stays light. Numbers
glued with ``source=`` link there. Every published CSV is also copied under
``donnees/`` (the provenance manifest copies the inputs of tables and figures; this adds
the others), so each one is a click away.

The role ``{data-download}`a,b``` ends a caption with the download link of its data, and
``{data-rows}`a``` links to the page of a resource's rows (HTML only; both disappear from
the PDF, whose appendices carry the provenance).
"""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

from bookbuild.sphinx.typography import sentinel_quote, to_html
from therapybook import data
from therapybook.render import anchors, attribution, fmt

logger = logging.getLogger(__name__)
DICTIONARY = "chapters/annexes/dictionnaire-donnees"
DOWNLOAD_DIR = "donnees"  # same folder as the provenance manifest's copies
#: Beyond this many rows a data page lists the file's lines instead of an HTML table.
TABLE_ROWS = 1000


def published(name: str) -> bool:
    """A resource whose rows and file may be published (not a user-supplied file)."""
    return not data.is_overridden(name)


def download_path(name: str) -> str:
    """Path of the CSV of ``name`` under the HTML output folder."""
    return f"{DOWNLOAD_DIR}/{data.resource(name)['path']}"


def to_root(docname: str) -> str:
    """Relative path from page ``docname`` to the root of the HTML output."""
    return "../" * docname.count("/")


def dictionary_anchor(name: str) -> str:
    """Id of the section of ``name`` in the data dictionary."""
    return "donnees-" + anchors.row_id(name, 2).rsplit("-ligne-", 1)[0]


# --------------------------------------------------------------------------- pages
def _rows(name: str) -> tuple[list[str], list[list[str]]]:
    text = data.resource_path(name).read_text(encoding="utf-8-sig")
    table = [r for r in csv.reader(io.StringIO(text, newline="")) if r != []]
    return table[0], table[1:]


#: Columns that hold the sources' own words: printed fragments, section titles.
QUOTED = re.compile(r"as_printed|printed|verbatim|quote")
SECTION = re.compile(r"section")


def _cell(column: str, value: str) -> str:
    """One cell of a data page: the sources' own words are shown as quotations."""
    quoted = value and (QUOTED.search(column)
                        or (SECTION.search(column) and len(value.split()) > 3))
    return f"<td>{_q(value) if quoted else html.escape(value)}</td>"


def _q(text: str) -> str:
    return f'<q class="printed">{html.escape(text)}</q>'


def page_body(app: Sphinx, name: str) -> str:
    """HTML of the page of resource ``name``."""
    res = data.resource(name)
    page = anchors.row_page(name)
    rel = app.builder.get_relative_uri
    prov = res.get("provenance", {})
    esc = html.escape
    header, rows = _rows(name)
    titles = {f["name"]: f.get("title", f["name"]) for f in res["schema"]["fields"]}
    where = attribution.place(prov.get("document"), prov.get("section"), quote=sentinel_quote)
    out = [f'<section id="{esc(anchors.row_page(name).rsplit("/", 1)[1])}">',
           f"<h1>Données : {to_html(res.get('title', name))}</h1>",
           f"<p>{to_html(res.get('description', ''))}</p>", "<ul>",
           f"<li>Provenance : {to_html(where)}</li>"]
    if res.get("synthetic"):
        out.append("<li><strong>Données synthétiques</strong> : pseudo-cohorte reconstruite à "
                   "partir des nombres publiés ; elle ne décrit aucun patient réel.</li>")
    out += [f'<li><a class="download" href="{esc(to_root(page) + download_path(name))}"'
            f' download>Télécharger le fichier ({esc(Path(res["path"]).name)})</a></li>',
            f'<li>Colonnes, types et contraintes : <a href="{esc(rel(page, DICTIONARY))}#'
            f'{dictionary_anchor(name)}">dictionnaire des données</a></li>', "</ul>"]
    if len(rows) > TABLE_ROWS:
        out += _lines(name, header, rows)
    else:
        out += _table(name, header, rows, titles)
    out.append("</section>")
    return "\n".join(out)


def _table(name: str, header: list[str], rows: list[list[str]],
           titles: dict[str, str]) -> list[str]:
    esc = html.escape
    out = ['<div class="pst-scrollable-table-container"><table class="table data-rows">',
           "<thead><tr><th>Ligne</th>"
           + "".join(f'<th title="{esc(h)}">{to_html(titles.get(h, h))}</th>' for h in header)
           + "</tr></thead>", "<tbody>"]
    for i, row in enumerate(rows):
        line = i + 2
        out.append(f'<tr id="{anchors.row_id(name, line)}"><th scope="row">{line}</th>'
                   + "".join(_cell(h, c) for h, c in zip(header, row, strict=False)) + "</tr>")
    out.append("</tbody></table></div>")
    return out


def _lines(name: str, header: list[str], rows: list[list[str]]) -> list[str]:
    """The file's lines as text, numbered and anchored (a table this long is unreadable)."""
    esc = html.escape

    def line(n: int, cells: list[str]) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(cells)
        anchor = f' id="{anchors.row_id(name, n)}"' if n > 1 else ""  # the header: none
        return (f'<span class="data-line"{anchor}>'
                f'<span class="line-number">{n}</span> {esc(buf.getvalue())}</span>')

    return [f"<p>Le fichier compte {fmt.number(len(rows))} lignes de données : elles sont "
            "données telles qu'elles figurent dans le fichier, valeurs séparées par des "
            "virgules, la première ligne nommant les colonnes (leur sens est dans le "
            "dictionnaire des données).</p>",
            '<pre class="data-lines" tabindex="0" aria-label="Lignes du fichier">'
            + "\n".join([line(1, header)] + [line(i + 2, r) for i, r in enumerate(rows)])
            + "</pre>"]


def _collect(app: Sphinx):
    if app.builder.format != "html":
        return
    for res in sorted(data.descriptor()["resources"], key=lambda r: r["name"]):
        name = res["name"]
        if not published(name):
            continue
        context = {"title": f"Données : {res.get('title', name)}",
                   "body": page_body(app, name),
                   "parents": [{"link": app.builder.get_relative_uri(anchors.row_page(name),
                                                                       DICTIONARY),
                                "title": "Dictionnaire des données"}]}
        yield anchors.row_page(name), context, "page.html"


def _copy_files(app: Sphinx, exc: Exception | None) -> None:
    """Copy every published CSV under ``donnees/`` (after the manifest's own copies)."""
    if exc is not None or app.builder.format != "html":
        return
    for res in data.descriptor()["resources"]:
        if not published(res["name"]):
            continue
        dest = Path(app.outdir) / download_path(res["name"])
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(data.resource_path(res["name"]), dest)


# --------------------------------------------------------------------------- caption links
class data_download(nodes.Inline, nodes.Element):  # noqa: N801 (docutils style)
    """The download links of a caption's data; ``resources`` lists the resource names."""


def data_download_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    names = [n.strip() for n in text.split(",") if n.strip()]
    return [data_download(rawtext, resources=names, rows=name == "data-rows")], []


class DataDownloads(SphinxPostTransform):
    """Resolve ``data_download`` into links (HTML) or remove it (other formats)."""

    default_priority = 20

    def run(self, **kwargs) -> None:
        html_build = self.app.builder.format == "html"
        for node in list(self.document.findall(data_download)):
            names = [n for n in node["resources"] if published(n)]
            if not html_build or not names:
                node.parent.remove(node)
                continue
            unknown = [n for n in names if n not in {r["name"] for r in
                                                      data.descriptor()["resources"]}]
            if unknown:
                logger.warning(f"[données] ressource inconnue : {', '.join(unknown)}",
                               location=node)
                node.parent.remove(node)
                continue
            base = to_root(self.env.docname)
            if node.get("rows"):
                node.replace_self([nodes.reference(
                    "", f"lignes de « {data.resource(res).get('title', res)} »", internal=True,
                    refuri=f"{base}{anchors.row_page(res)}.html", classes=["data-rows-link"])
                    for res in names])
                continue
            span = nodes.inline("", "", classes=["data-download"])
            for i, res in enumerate(names):
                # several files: each link names its data, never a bare number
                label = ("Télécharger les données (CSV)" if len(names) == 1
                         else data.resource(res).get("title", res).replace("'", "’"))
                if i == 0 and len(names) > 1:
                    span += nodes.Text("Données (CSV) : ")
                elif i:
                    span += nodes.Text(" ; ")
                ref = nodes.reference("", label, internal=False,
                                      refuri=base + download_path(res),
                                      classes=["data-download-link"])
                span += ref
            span += nodes.Text(".")
            node.replace_self(span)


def setup(app: Sphinx) -> dict:
    app.setup_extension("bookbuild.sphinx.assets")
    app.add_node(data_download)
    app.add_role("data-download", data_download_role)
    app.add_role("data-rows", data_download_role)
    app.add_post_transform(DataDownloads)
    app.connect("html-collect-pages", _collect)
    app.connect("build-finished", _copy_files, priority=600)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
