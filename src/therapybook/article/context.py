"""The workshop's context: its questions, the organisations around it, and the English
summary's wording of the numbers it quotes."""

from __future__ import annotations

import pandas as pd

from therapybook import data
from therapybook.render import outline, reported

#: English words of the numbers below ten (the English summary writes them so, too).
ENGLISH_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def less_than_months_en(key: str) -> str:
    """« less than three months » for the English summary, from a row of ``article_chiffres``."""
    row = data.load("article_chiffres").set_index("key").loc[key]
    if row["unit"] != "mois" or row["qualifier"] != "less_than":
        raise ValueError(f"« {key} » n'est pas une borne « moins de … mois ».")
    n = int(row["value"])
    count = ENGLISH_WORDS[n] if n < 10 else str(n)
    return f"less than {count} month" + ("s" if n > 1 else "")


def questions_table(questions: pd.DataFrame) -> pd.DataFrame:
    """The workshop's questions (numbered 1, 2, 4.1…) and the chapter that answers each."""
    rows = questions.sort_values("rank")
    return pd.DataFrame({
        "N°": outline.numbering(rows["rank"].tolist(), rows["parent"].tolist()),
        "Question": rows["question"],
        "Chapitre": [f"{{ref}}`{c}`" for c in rows["chapter"]],
    })


def network_table(network: pd.DataFrame, glossary: pd.DataFrame) -> pd.DataFrame:
    """The organisations behind the workshop, named as the article's glossary expands them."""
    rows = network.sort_values("rank")
    terms = glossary.set_index("term")["definition"]
    return pd.DataFrame({
        "Organisation": [f"{{term}}`{a}` — {terms[a]}" for a in rows["acronym"]],
        "Nature": rows["kind"], "Échelle": rows["scope"], "Rôle dans l'atelier": rows["role"],
        "Réf.": rows["citation"].map(reported.cite),
    })


def keywords(table: pd.DataFrame):
    """The article's keywords as printed, French then English, each one a quotation of the
    source (the ``{printed}`…``` role)."""
    from IPython.display import Markdown

    def listed(language: str, quote) -> str:
        words = table[table["language"] == language].sort_values("rank")["as_printed"].tolist()
        items = [quote(k if i == 0 else k[0].lower() + k[1:]) for i, k in enumerate(words)]
        return ", ".join(items[:-1]) + " et " + items[-1]

    french = listed("fr", lambda k: f"{{printed}}`{k}`")
    english = listed("en", lambda k: f"{{printed}}`{k}`")
    return Markdown(f"{french} ; en anglais : {english}.\n")
