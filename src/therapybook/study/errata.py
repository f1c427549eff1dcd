"""Presentation of the audit (:mod:`therapybook.study.audit`) for the errata appendix."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from therapybook.study import audit

CHECK_LABELS = {
    "pourcentage": "Pourcentage compatible avec l'effectif (type GRIM)",
    "somme des colonnes": "Somme des colonnes CAR-T + BispAb + ADC = tous",
    "quantile atteignable": "Médiane ou quartile atteignable (données entières, type 7)",
    "ordre des quartiles": "Quartiles encadrant la médiane",
    "format R": "Médiane de survie imprimée comme par R",
    "même nombre imprimé deux fois": "Même nombre imprimé à deux endroits",
    "somme entre passages": "Effectifs de passages différents qui doivent se sommer",
}


def escape(text: str) -> str:
    """Neutralise the Markdown characters a quotation of the thesis may contain."""
    return str(text).replace("\\", "\\\\").replace("*", "\\*").replace("`", "\\`")


def breakable(key: str) -> str:
    """A dotted identifier that may wrap after its dots and hyphens in a narrow cell."""
    return key.replace(".", ".\u200b").replace("-", "-\u200b")


def glue_values(published: pd.DataFrame, checks: pd.DataFrame,
                found: Sequence[audit.Finding]) -> dict[str, str]:
    """Numbers quoted by the errata page, formatted (names prefixed ``errata_``)."""
    verdicts = pd.Series([f.verdict for f in found], dtype="object").value_counts()
    out = {
        "errata_n_published": str(len(published)),
        "errata_n_checks": str(len(checks)),
        "errata_n_passed": str(int(checks["ok"].sum())),
        "errata_n_failed": str(int((~checks["ok"]).sum())),
        "errata_n_findings": str(len(found)),
    }
    out.update({f"errata_n_{v}": str(int(verdicts.get(v, 0))) for v in audit.VERDICTS})
    return out


def checks_summary(checks: pd.DataFrame) -> pd.DataFrame:
    """One row per kind of check: number run, passed, failed (formatted)."""
    rows = []
    for kind, grp in checks.groupby("check", sort=False):
        rows.append([CHECK_LABELS.get(kind, kind), str(len(grp)), str(int(grp["ok"].sum())),
                     str(int((~grp["ok"]).sum()))])
    return pd.DataFrame(rows, columns=["Contrôle", "Nombre", "Satisfaits", "Échoués"])


def findings_table(found: Sequence[audit.Finding]) -> pd.DataFrame:
    """Findings as a formatted table: finding, verdict, suggested correction."""
    rows = [[f"{escape(f.what)} ({breakable(f.id)})", f.verdict, escape(f.correction)]
            for f in found]
    return pd.DataFrame(rows, columns=["Constat", "Verdict", "Correction proposée"])


def findings_markdown(found: Sequence[audit.Finding]):
    """Every finding with its evidence, as Markdown (a definition list per finding)."""
    from IPython.display import Markdown

    blocks = []
    for f in found:
        blocks.append("\n".join([
            f"**{escape(f.what)}** (`{f.id}`, verdict : {f.verdict})",
            "",
            "Imprimé",
            f": {escape(f.published)}",
            "",
            "Preuve",
            f": {escape(f.evidence)}",
            "",
            "Correction proposée",
            f": {escape(f.correction)}",
        ]))
    return Markdown("\n\n".join(blocks) + "\n")
