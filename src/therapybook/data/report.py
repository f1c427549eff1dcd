"""Frictionless's validation report, told in French: one :class:`Violation` per problem.

Each error of the report becomes a violation naming file, line, column, value and rule,
with the hint a user of a hospital spreadsheet needs (a French Excel export uses « ; »
and the decimal comma; a Latin-1 file; a stray blank row…). The rules keep the names
the project has always printed (``type number``, ``enum``, ``maximum 120``,
``colonne requise``, ``unique``, ``foreignKey``…), so a message reads the same whatever
frictionless's wording.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping

from therapybook.data.violations import Violation

TYPE_HINTS = {
    "integer": "un entier est attendu",
    "number": "un nombre est attendu",
    "date": "une date AAAA-MM-JJ est attendue",
    "year": "une année sur 4 chiffres est attendue",
}
RAGGED = ("(séparateur « ; » d'un export Excel, ligne tronquée ou virgule non protégée ?)")
EXCEL = ("une seule colonne lue : l'en-tête est séparé par « ; » (export Excel en français ?) ; "
         "réenregistrer le fichier en CSV UTF-8, séparateur virgule et décimales avec un point")
LATIN1 = ("octets non UTF-8 (fichier enregistré en Latin-1/Windows-1252 ?) ; "
          "réenregistrer le fichier en UTF-8")


def header(raw: bytes) -> list[str]:
    """The labels of the first line of a CSV file (for messages only)."""
    text = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
    return next(csv.reader(io.StringIO(text, newline="")), [])


def encoding_line(raw: bytes) -> int | None:
    """Line of the first byte that is not UTF-8."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return raw[: exc.start].count(b"\n") + 1
    return None


def _typed(field: Mapping, cell: str) -> tuple[str, str]:
    kind = field.get("type", "string")
    if kind == "boolean":
        allowed = [*field.get("trueValues", ()), *field.get("falseValues", ())]
        return "type boolean", f"valeurs admises : {'/'.join(allowed)}"
    detail = TYPE_HINTS.get(kind, f"valeur illisible pour le type {kind}")
    if kind == "number" and "," in cell:
        detail += " (séparateur décimal : le point, pas la virgule)"
    elif kind in ("integer", "number") and cell != cell.strip():
        detail += " (espace avant ou après le nombre)"
    return f"type {kind}", detail


def _constraint(field: Mapping, note: str) -> tuple[str, str]:
    found = re.search(r'constraint "(\w+)"', note)
    name = found.group(1) if found else "contrainte"
    c = field.get("constraints", {})
    if name == "required":
        return "required", "valeur obligatoire manquante"
    if name == "enum":
        return "enum", f"valeurs admises : {', '.join(str(v) for v in c['enum'])}"
    if name == "minimum":
        return f"minimum {c['minimum']}", f"la valeur doit être ≥ {c['minimum']}"
    if name == "maximum":
        return f"maximum {c['maximum']}", f"la valeur doit être ≤ {c['maximum']}"
    if name == "pattern":
        return "pattern", f"la valeur doit suivre le motif {c['pattern']}"
    if name == "minLength":
        return "minLength", f"au moins {c['minLength']} caractère(s)"
    if name == "maxLength":
        return "maxLength", f"au plus {c['maxLength']} caractère(s)"
    return name, note


def _earlier(note: str) -> str:
    found = re.search(r"position (\d+)", note)
    return f"valeur déjà présente ligne {found.group(1)}" if found else "valeur répétée"


def _pk(schema: Mapping) -> list[str]:
    pk = schema.get("primaryKey") or []
    return [pk] if isinstance(pk, str) else list(pk)


def _as_list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _cells(cells: list[str]) -> str | None:
    """The values a rule names; None when all are empty (the rule then says « vide »)."""
    return ", ".join(c or "vide" for c in cells) if any(cells) else None


def translate(errors: Iterable, shown: str, schema: Mapping, raw: bytes,
              titles: Mapping[str, str] | None = None) -> list[Violation]:
    """The violations of one file from frictionless's ``errors`` (``report.task.errors``).

    ``schema`` is the resource's schema as the descriptor declares it (for the allowed
    values a message lists), ``raw`` the file's bytes (for locating what frictionless
    reports without a line), ``titles`` the titles of the resources a foreign key names.
    """
    errors = list(errors)
    fields = {f["name"]: f for f in schema["fields"]}
    labels = None

    def v(row, column, value, rule, detail):
        return Violation(shown, row, column, value, rule, detail)

    # A French Excel export: one label holding the others, « ; »-separated. Say only that.
    for e in errors:
        if e.type in ("extra-label", "incorrect-label") and ";" in (e.label or ""):
            if len(set(e.label.split(";")) & set(fields)) >= 2:
                return [v(1, None, None, "séparateur « , »", EXCEL)]

    out: list[Violation] = []
    cells_by_row: dict[int, list] = {}
    empty_keys: list[int] = []
    for e in errors:
        kind = e.type
        if kind == "type-error":
            rule, detail = _typed(fields[e.field_name], e.cell)
            out.append(v(e.row_number, e.field_name, e.cell, rule, detail))
        elif kind == "constraint-error":
            rule, detail = _constraint(fields[e.field_name], e.note)
            value = None if rule == "required" else e.cell
            out.append(v(e.row_number, e.field_name, value, rule, detail))
        elif kind == "non-finite-number":
            out.append(v(e.row_number, e.field_name, e.cell, "type number",
                         "un nombre fini est attendu (NaN, infini ou valeur hors limites)"))
        elif kind == "unique-error":
            out.append(v(e.row_number, e.field_name, e.cell, "unique", _earlier(e.note)))
        elif kind == "primary-key":
            pk = _pk(schema)
            if "None" in e.note:  # every key cell empty: told below unless said otherwise
                empty_keys.append(e.row_number)
            elif not any(o.row == e.row_number and o.rule == "unique" and o.column in pk
                         for o in out):  # else the key's own column already told it
                labels = labels if labels is not None else header(raw)
                value = ", ".join(e.cells[labels.index(k)] if k in labels else "" for k in pk)
                out.append(v(e.row_number, ", ".join(pk), value, "unique", _earlier(e.note)))
        elif kind == "foreign-key":
            ref = e.reference_name
            title = (titles or {}).get(ref)
            out.append(v(e.row_number, ", ".join(e.field_names), ", ".join(e.field_cells),
                         "foreignKey",
                         f"absente de {ref}.{', '.join(e.reference_field_names)}"
                         + (f" ({title})" if title else "")))
        elif kind in ("missing-cell", "extra-cell"):
            cells_by_row.setdefault(e.row_number, e.cells)
        elif kind == "blank-row":
            out.append(v(e.row_number, None, None, "ligne vide",
                         "ligne sans aucune valeur (ou seulement des virgules) : la supprimer"))
        elif kind == "missing-label":
            out.append(v(1, e.field_name, None, "colonne requise",
                         "colonne décrite dans le descripteur mais absente"))
        elif kind == "extra-label":
            out.append(v(1, e.label, None, "colonne connue", "colonne absente du descripteur"))
        elif kind == "blank-label":
            out.append(v(1, None, None, "en-tête",
                         f"colonne {e.field_number} sans nom dans l'en-tête"))
        elif kind == "duplicate-label" or "unique labels" in e.note:
            labels = labels if labels is not None else header(raw)
            dup = sorted({h for h in labels if labels.count(h) > 1})
            out.append(v(1, ", ".join(dup) or None, None, "colonnes uniques",
                         "nom de colonne répété"))
        elif kind == "encoding-error":
            out.append(v(encoding_line(raw), None, None, "encodage UTF-8", LATIN1))
        elif kind == "source-error" and "empty" in e.note:
            out.append(v(None, None, None, "fichier non vide", "le fichier est vide"))
        elif kind == "scheme-error" and "No such file" in e.note:
            out.append(v(None, None, None, "fichier présent", "le fichier n'existe pas"))
        elif kind == "table-dimensions":
            out.append(v(2, None, None, "au moins une ligne", "le fichier n'a que l'en-tête"))
        elif kind == "project-rule":
            out.append(v(e.row_number, ", ".join(e.field_names), _cells(e.field_cells),
                         e.rule, e.note))
        elif kind == "project-table-rule":
            out.append(v(None, ", ".join(e.field_names), _cells(e.field_cells), e.rule, e.note))
        else:  # a kind of problem this module does not word: frictionless's own message
            row = getattr(e, "row_number", None)
            out.append(v(row, getattr(e, "field_name", None), None, kind, e.message))

    if any(o.rule == "fichier non vide" for o in out):
        return [o for o in out if o.rule == "fichier non vide"]
    if cells_by_row:  # cells out of place: what else is said of those rows is noise
        out = [o for o in out if o.row not in cells_by_row and o.row is not None]
    width = len(header(raw)) if cells_by_row else 0
    for row, cells in sorted(cells_by_row.items()):
        if any("\n" in c or "\r" in c for c in cells):
            out.append(v(row, None, None, "CSV", "guillemet « \" » ouvert et jamais fermé : "
                         "la cellule court sur plusieurs lignes jusqu'au guillemet suivant"))
        else:
            out.append(v(row, None, None, "nombre de colonnes",
                         f"{len(cells)} valeur(s) pour {width} colonne(s) {RAGGED}"))
    infinite = {(o.row, o.column) for o in out if o.rule == "type number"}
    out = [o for o in out if o.rule == "type number" or (o.row, o.column) not in infinite]
    told = {o.row for o in out}
    out += [v(row, ", ".join(_pk(schema)), None, "unique", "clé primaire vide")
            for row in empty_keys if row not in told]
    return sorted(out, key=lambda o: (o.row is not None, o.row or 0))
