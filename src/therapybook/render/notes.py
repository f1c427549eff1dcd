"""Verification notes: where a source's statement meets its primary record.

The book keeps each document's statement, attributed to it, and adds a visible note when a
primary record says otherwise (or when the document contradicts itself). The notes are
data (resource ``verifications``: the checks of ``shared/references/source-checks.md``
and nothing else). A chapter shows one right after the paragraph that restates the
statement::

    notes.show("T1")

The build (``bookbuild.sphinx.verification_notes``) gives the note its anchor and records
where it stands; the appendix (:func:`appendix`) lists every note with a link to each place.
"""

from __future__ import annotations

import pandas as pd

from therapybook import data
from therapybook.render import attribution

RESOURCE = "verifications"
QUOTE = attribution.printed_role  # section titles are the document's own words
TITLES = {"contredit": "Note de vérification", "non_confirme": "Note de vérification",
          "conforme": "Note de vérification", "incoherence": "Note de lecture"}
VERDICTS = {"contredit": "la source primaire dit autre chose",
            "non_confirme": "la source primaire ne contient pas ce nombre",
            "conforme": "la source primaire confirme l'énoncé",
            "incoherence": "deux passages du document ne concordent pas"}


def load() -> pd.DataFrame:
    """The notes, one row per check, in the order of the file."""
    return data.load(RESOURCE)


def _row(note_id: str) -> pd.Series:
    frame = load()
    hits = frame[frame["id"] == note_id]
    if len(hits) != 1:
        known = ", ".join(frame["id"])
        raise KeyError(f"Note de vérification « {note_id} » inconnue (notes : {known}).")
    return hits.iloc[0]


def _escape(text: str) -> str:
    """Text for a MyST role's content (backticks cannot occur inside it)."""
    if "`" in text:
        raise ValueError(f"Accent grave dans un fragment imprimé : {text!r}.")
    return " ".join(text.split())


def _body(row: pd.Series) -> list[str]:
    where = attribution.place(row["document"], row["section"], quote=attribution.printed_role)
    lines = [f"{row['note']}", "",
             f"Texte imprimé ({where}) : {{printed}}`{_escape(row['as_printed'])}`."]
    key = row["citation"]
    if row["kind"] == "incoherence":
        lines += ["", f"Relevé dans le document lui-même {{cite}}`{key}`."]
    else:
        lines += ["", f"Source primaire consultée : {{cite}}`{key}`."]
    return lines


def show(note_id: str):
    """The note ``note_id`` as a displayable MyST admonition (a chapter cell's output)."""
    from IPython.display import Markdown

    row = _row(note_id)
    lines = [f"````{{verification-note}} {row['id']}",
             f":title: {TITLES[row['kind']]} : {row['topic']}", "",
             *_body(row), "", "Toutes les notes : {ref}`annexe-verifications`.", "````"]
    return Markdown("\n".join(lines) + "\n")


def appendix(document: str | None = None):
    """MyST of the appendix: every note (or those of one ``document``), with its places."""
    from IPython.display import Markdown

    frame = load()
    if document is not None:
        frame = frame[frame["document"] == document]
    out = []
    for row in frame.itertuples(index=False):
        s = pd.Series(row._asdict())
        out += [f"({label(row.id)})=", f"### {row.id} — {row.topic}", "",
                f"- Document : {attribution.place(row.document, row.section, quote=QUOTE)} ;",
                f"- Constat : {VERDICTS[row.kind]} ;"]
        if isinstance(row.record_says, str) and row.record_says:
            out.append(f"- Ce que dit la source primaire : {row.record_says}")
        out += [f"- Placement dans le livre : {{verification-note-places}}`{row.id}`.", "",
                *_body(s), ""]
    return Markdown("\n".join(out) + "\n")


def table(document: str) -> pd.DataFrame:
    """The notes of ``document`` as table cells: note, passage, printed text, finding."""
    frame = load()
    frame = frame[frame["document"] == document]
    return pd.DataFrame({
        "Note": [f"{{ref}}`{i} <{label(i)}>`" for i in frame["id"]],
        "Passage": [attribution.place(d, s, quote=QUOTE)
                    for d, s in zip(frame["document"], frame["section"], strict=True)],
        "Texte imprimé": [f"{{printed}}`{_escape(p)}`" for p in frame["as_printed"]],
        "Constat": list(frame["note"]),
    })


def marker(note_id: str) -> str:
    """MyST of the mark that follows a value a note applies to, in a table cell or a caption:
    « (note T5) », the id linking to the note's entry in the appendix."""
    _row(note_id)  # an unknown note fails loudly
    return f"(note {{ref}}`{note_id} <{label(note_id)}>`)"


def mark(text: str, note_id) -> str:
    """``text`` followed by the mark of note ``note_id``; ``text`` alone when no note applies
    (``note_id`` empty or missing) or ``text`` is empty."""
    if not (isinstance(note_id, str) and note_id) or not text:
        return text
    return f"{text} {marker(note_id)}"


def image_marker(note_id: str) -> str:
    """The same mark as drawn inside a figure, where no link is possible: « (T5) »."""
    _row(note_id)
    return f"({note_id})"


def legend(note_ids) -> str:
    """Caption sentence that explains the marks drawn in a figure, each id linked to its
    note: « (T1), (T5) : valeurs concernées par une note de vérification (T1, T5). »;
    empty when no value is marked."""
    ids = [i for i in dict.fromkeys(note_ids) if isinstance(i, str) and i]
    if not ids:
        return ""
    links = ", ".join(f"{{ref}}`{i} <{label(i)}>`" for i in ids)
    shown = ", ".join(image_marker(i) for i in ids)
    word = "valeurs concernées" if len(ids) > 1 else "valeur concernée"
    return f"{shown} : {word} par une note de vérification ({links})."


def label(note_id: str) -> str:
    """Label of the entry of ``note_id`` in the appendix of notes."""
    return f"note-{note_id.lower()}"
