"""The data dictionary appendix, generated from ``data/datapackage.json``."""

from __future__ import annotations

import os
import re
from pathlib import Path

from therapybook import data
from therapybook.render import attribution

TYPES = {"string": "texte", "integer": "entier", "number": "nombre", "boolean": "booléen",
         "date": "date", "year": "année"}


def _constraints(field: dict) -> str:
    c = field.get("constraints", {})
    parts = []
    if c.get("required"):
        parts.append("obligatoire")
    if c.get("unique"):
        parts.append("unique")
    if "minimum" in c or "maximum" in c:
        lo = c.get("minimum", "…")
        hi = c.get("maximum", "…")
        parts.append(f"de {lo} à {hi}")
    if "enum" in c:
        parts.append("parmi : " + ", ".join(f"`{v}`" for v in c["enum"]))
    if "pattern" in c:
        parts.append(f"motif `{c['pattern']}`")
    return " ; ".join(parts)


def _cell(text: str) -> str:
    return " ".join(str(text).split()) or "\u00a0"


def markdown() -> str:
    """MyST text of the data dictionary: one section per resource, one table per schema."""
    desc = data.descriptor()
    here = Path.cwd()
    out = []
    for res in sorted(desc["resources"], key=lambda r: r["path"]):
        prov = res.get("provenance", {})
        rel = os.path.relpath(data.DATA_DIR / res["path"], here).replace(os.sep, "/")
        anchor = "donnees-" + re.sub(r"[^a-z0-9]", "-", res["name"].lower())
        out.append(f"({anchor})=\n## `{res['name']}` — {res.get('title', '')}\n")
        out.append(f"{res.get('description', '')}\n")
        src = attribution.place(prov.get("document"), prov.get("section"),
                                quote=attribution.printed_role)
        rows = (f" ; chaque ligne, avec son ancre : {{data-rows}}`{res['name']}`"
                if not data.is_overridden(res["name"]) else "")
        lines = [f"- Fichier : {{download}}`{res['path']} <{rel}>`{rows}",
                 f"- Provenance : {src}"
                 + (f" ({prov['locator']})" if prov.get("locator") else "")]
        if res.get("synthetic"):
            lines.append("- **Données synthétiques** : pseudo-cohorte reconstruite à partir des "
                         "valeurs publiées, pas des données de patients réels.")
        pk = res["schema"].get("primaryKey")
        if pk:
            lines.append("- Clé primaire : " + ", ".join(f"`{k}`" for k in
                                                         ([pk] if isinstance(pk, str) else pk)))
        for fk in res["schema"].get("foreignKeys", []):
            lines.append(f"- Clé étrangère : `{fk['fields']}` → `{fk['reference']['resource']}`")
        out.append("\n".join(lines) + "\n")
        rows = ["```{list-table}", ":header-rows: 1", ":widths: 18 10 10 30 32", "",
                "* - Colonne", "  - Type", "  - Unité", "  - Description", "  - Contraintes"]
        for f in res["schema"]["fields"]:
            about = f.get("title", "") + (". " + f["description"] if f.get("description") else "")
            rows += [f"* - `{f['name']}`", f"  - {TYPES.get(f.get('type', 'string'))}",
                     f"  - {_cell(f.get('unit', ''))}", f"  - {_cell(about)}",
                     f"  - {_cell(_constraints(f))}"]
        rows.append("```\n")
        out.append("\n".join(rows))
    return "\n".join(out)
