"""Presentation of the audit (:mod:`therapybook.study.audit`) for the errata appendix.

Labels of the checks and verdicts come from the study's code lists
(:class:`therapybook.study.wording.Wording`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from therapybook.study import audit
from therapybook.study.wording import Wording


def escape(text: str) -> str:
    """Neutralise the Markdown characters a quotation of the thesis may contain."""
    return str(text).replace("\\", "\\\\").replace("*", "\\*").replace("`", "\\`")


def breakable(key: str) -> str:
    """A dotted identifier that may wrap after its dots and hyphens in a narrow cell."""
    return key.replace(".", ".\u200b").replace("-", "-\u200b")


def glue_values(published: pd.DataFrame, checks: pd.DataFrame,
                found: Sequence[audit.Finding], wording: Wording) -> dict[str, str]:
    """Numbers quoted by the errata page, formatted (names prefixed ``errata_``)."""
    verdicts = pd.Series([f.verdict for f in found], dtype="object").value_counts()
    out = {
        "errata_n_published": str(len(published)),
        "errata_n_checks": str(len(checks)),
        "errata_n_passed": str(int(checks["ok"].sum())),
        "errata_n_failed": str(int((~checks["ok"]).sum())),
        "errata_n_findings": str(len(found)),
    }
    out.update({f"errata_n_{v}": str(int(verdicts.get(v, 0)))
                for v in wording.labels("verdict")})
    return out


def checks_summary(checks: pd.DataFrame, wording: Wording) -> pd.DataFrame:
    """One row per kind of check: number run, passed, failed (formatted)."""
    rows = []
    for kind, grp in checks.groupby("check", sort=False):
        rows.append([wording.label("check", kind, "title"), str(len(grp)),
                     str(int(grp["ok"].sum())), str(int((~grp["ok"]).sum()))])
    return pd.DataFrame(rows, columns=["Contrôle", "Nombre", "Satisfaits", "Échoués"])


def verdicts_note(wording: Wording) -> str:
    """« Verdicts — impossible : … ; contradictoire : … »."""
    return "Verdicts — " + " ; ".join(
        f"{code} : {title}" for code, title in wording.labels("verdict", "title").items()) + "."


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
