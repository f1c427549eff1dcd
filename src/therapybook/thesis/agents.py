"""The anti-BCMA molecules as the thesis describes their construction (section II.3)."""

from __future__ import annotations

import pandas as pd


def construction_table(agents: pd.DataFrame, labels) -> pd.DataFrame:
    """One row per molecule and characteristic, molecules grouped by class (ADC, bispecific,
    CAR-T) and characteristics in the order of ``agent_attribute``; the molecule and its class
    are written on its first row only. ``labels``: the ``libelles_these`` code list."""
    classes = list(labels.labels("anti_bcma_class"))
    attributes = labels.labels("agent_attribute")
    rows = agents.assign(
        class_rank=agents["agent_class"].map({c: i for i, c in enumerate(classes)}),
        agent_rank=agents.groupby("agent", sort=False).ngroup(),
        attribute_rank=agents["attribute"].map({a: i for i, a in enumerate(attributes)}),
    ).sort_values(["class_rank", "agent_rank", "attribute_rank"])
    first = ~rows["agent"].duplicated()
    short = labels.labels("anti_bcma_class", "short")
    return pd.DataFrame({
        "Molécule": [f"{a} ({short[c]})" if f else ""
                     for a, c, f in zip(rows["agent"], rows["agent_class"], first, strict=True)],
        "Caractéristique": rows["attribute"].map(attributes).to_numpy(),
        "Description": rows["value"].to_numpy(),
        "Section": rows["source_section"].to_numpy(),
    })


def in_development(agents: pd.DataFrame) -> str:
    """« alnuctamab (CC-93269), HPN217, … »: the bispecifics the thesis lists as in
    clinical development, with their code when it gives one."""
    codes = agents[agents["attribute"] == "code"].set_index("agent")["value"]
    names = agents.loc[agents["attribute"] == "status", "agent"]
    return ", ".join(f"{a} ({codes[a]})" if a in codes.index else a for a in names)


def quotes(agents: pd.DataFrame) -> dict:
    """The codes and CAR generations the chapter quotes, named ``<agent>_<attribute>_value``
    (``teclistamab_code_value``), each with its data row; a CAR generation reads as an
    ordinal (« deuxième »)."""
    from therapybook.render import fmt
    from therapybook.thesis import quotes as q

    named = agents[agents["attribute"].isin(["code", "generation"])]
    out = q.cells("agents_anti_bcma", named, ["agent", "attribute"], ["value"],
                  formats={"value": str})
    for key, (text, src) in list(out.items()):
        if key.endswith("_generation_value"):
            out[key] = (fmt.ordinal(int(text), feminine=True), src)
    return out


def construction_notes() -> list[str]:
    """Footnotes of :func:`construction_table`."""
    return ["Le nom de la molécule et sa classe ne sont écrits qu'à sa première ligne ; une "
            "caractéristique absente n'est pas décrite pour cette molécule.",
            "ADCC : cytotoxicité cellulaire dépendante des anticorps ; ADCP : phagocytose "
            "cellulaire dépendante des anticorps ; FcRn : récepteur Fc néonatal."]
