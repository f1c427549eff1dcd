"""Code lists, labels and French wording of the retrospective study, read from data.

The study's words live in two resources of the data package, loaded by the pages that
use them and passed here: ``retrospective_codes`` (one row per code of a list — anti-BCMA
classes, subsequent lines, Table 2 rows, verdicts… — with its label and title) and
``retrospective_wording`` (keyed French templates whose ``{fields}`` the code fills with
numbers taken from the published numbers or computed). The code lists themselves are the
cohort's schema: :func:`classes` and :func:`lines` read its enumerations,
:func:`quantile_variables` and :func:`boolean_variables` its columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from therapybook import data

COHORT = "retrospective_cohort"
#: A field of a template: ``{name}``, but not a MyST role such as ``{ref}`label```.
_FIELD = re.compile(r"\{(\w+)\}(?!`)")


def _enum(resource: str, name: str) -> tuple[str, ...]:
    fields = data.resource(resource)["schema"]["fields"]
    return tuple(next(f for f in fields if f["name"] == name)["constraints"]["enum"])


def classes() -> tuple[str, ...]:
    """The anti-BCMA classes, in the order of Table 2 (the cohort schema's enumeration)."""
    return _enum(COHORT, "anti_bcma_class")


def lines() -> tuple[str, ...]:
    """The subsequent-line categories, in the order of Table 2 (``none`` last)."""
    return _enum(COHORT, "subsequent_line")


def _fields(kind: str) -> tuple[str, ...]:
    fields = data.resource(COHORT)["schema"]["fields"]
    return tuple(f["name"] for f in fields if f.get("type") == kind)


def quantile_variables() -> tuple[str, ...]:
    """Table 2's median (IQR) rows: the integer columns of the cohort (age, prior lines)."""
    return tuple(v for v in _fields("integer") if not v.endswith("_event"))


def boolean_variables() -> tuple[str, ...]:
    """Table 2's « n (%) » characteristic rows: the boolean columns of the cohort."""
    return _fields("boolean")


class Labels:
    """A code list of the data package (columns ``list``, ``code``, ``rank``, ``label`` and
    other label columns): the one place where codes get their French words."""

    def __init__(self, frame: pd.DataFrame | None = None):
        self.frame = frame

    def rows(self, list_name: str) -> pd.DataFrame:
        """The rows of one code list, in rank order (empty without a frame)."""
        if self.frame is None:
            return pd.DataFrame(columns=["list", "code", "rank", "label"])
        rows = self.frame[self.frame["list"] == list_name]
        return rows.sort_values("rank").reset_index(drop=True)

    def label(self, list_name: str, code: str, column: str = "label") -> str:
        """Label (or another label column) of ``code`` in ``list_name``; the code if unknown."""
        rows = self.rows(list_name)
        if column not in rows.columns:
            return code
        hit = rows.loc[rows["code"] == code, column]
        if hit.empty or pd.isna(hit.iloc[0]):
            return code
        return str(hit.iloc[0])

    def labels(self, list_name: str, column: str = "label") -> dict[str, str]:
        """``{code: label}`` of one list, in rank order."""
        rows = self.rows(list_name)
        return {c: (str(v) if not pd.isna(v) else c)
                for c, v in zip(rows["code"], rows.get(column, rows["code"]), strict=True)}


@dataclass(frozen=True)
class Wording:
    """Labels (``codes``) and templates (``texts``) of the study; both optional.

    Without ``codes`` a label is its code; without ``texts`` every text is empty (the
    arithmetic of the audit and of the comparison does not need words).
    """

    codes: pd.DataFrame | None = None
    texts: pd.DataFrame | None = None
    _templates: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.texts is not None:
            self._templates.update(zip(self.texts["key"], self.texts["text"], strict=True))

    def text(self, key: str, **values: object) -> str:
        """Template ``key`` filled with ``values`` (already formatted); ``""`` without texts.

        ``{name}`` fields must all be given; a MyST role (``{ref}`label```) is left as is.
        """
        if self.texts is None:
            return ""
        try:
            template = self._templates[key]
        except KeyError:
            raise KeyError(f"Texte « {key} » absent de retrospective_wording.") from None

        def fill(match: re.Match) -> str:
            name = match.group(1)
            if name not in values:
                raise KeyError(f"Texte « {key} » : valeur « {name} » manquante.")
            return str(values[name])

        return _FIELD.sub(fill, template)

    def rows(self, list_name: str) -> pd.DataFrame:
        return Labels(self.codes).rows(list_name)

    def label(self, list_name: str, code: str, column: str = "label") -> str:
        return Labels(self.codes).label(list_name, code, column)

    def labels(self, list_name: str, column: str = "label") -> dict[str, str]:
        return Labels(self.codes).labels(list_name, column)

    def column(self, population: str) -> str:
        """Title of a Table 2 column: « Tous les patients », « Échec des CAR-T cells »…"""
        if population == "all":
            return self.label("population", "all", "title")
        return self.label("table2_column", population, "title")

    def variable(self, name: str) -> str:
        """French name of a published variable (Table 2 rows, SSP/SG), else the code."""
        for list_name in ("table2_boolean", "table2_quantile", "table2_survival"):
            rows = self.rows(list_name)
            if name in set(rows["code"]):
                return self.label(list_name, name)
        return name
