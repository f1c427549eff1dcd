"""Unit tests of the data-driven diagrams (CAR generations, domain rows)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.patches import FancyBboxPatch

from therapybook import data
from therapybook.plots import diagrams


def _boxes(fig) -> list[FancyBboxPatch]:
    return [p for p in fig.axes[0].patches if isinstance(p, FancyBboxPatch)]


def test_wrap_label_breaks_at_spaces_and_never_cuts_a_word():
    assert diagrams.wrap_label("CD28 ou 4-1BB", 8) == "CD28 ou\n4-1BB"
    assert diagrams.wrap_label("Transmembranaire", 12) == "Transmembranaire"
    assert diagrams.wrap_label("Segment Transmembranaire", 12) == "Segment\nTransmembranaire"


def test_every_box_label_fits_its_box():
    df = data.load("car_generations")
    fig = diagrams.car_generations(df[df["source_doc"] == "these"])
    renderer = fig.canvas.get_renderer()
    boxes = _boxes(fig)
    labels = [t for t in fig.axes[0].texts if "génération" not in t.get_text()]
    assert any(t.get_text() == "Transmembranaire" for t in labels)
    for text in labels:
        x, y = text.get_position()
        box = next(b for b in boxes if b.get_x() <= x <= b.get_x() + b.get_width()
                   and b.get_y() <= y <= b.get_y() + b.get_height())
        assert text.get_window_extent(renderer).width < box.get_window_extent(renderer).width
    plt.close(fig)


def test_domain_row_returns_one_centre_per_box():
    fig, ax = plt.subplots()
    centres = diagrams.domain_row(ax, [diagrams.Box("a"), diagrams.Box("b")], 0, width=1, gap=0)
    assert centres == [0.5, 1.5]
    assert len(ax.patches) == 2
    plt.close(fig)


def test_car_generations_draws_one_box_per_row_in_order():
    df = pd.DataFrame({
        "generation": [1, 1, 2, 2, 2],
        "order": [2, 1, 1, 3, 2],
        "domain": ["B", "A", "A", "C", "B"],
        "region": ["intracellular", "extracellular", "extracellular",
                   "additional_expression", "intracellular"],
    })
    fig = diagrams.car_generations(df)
    boxes = _boxes(fig)
    assert len(boxes) == 5
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts[:2] == ["A", "B"] and "1re génération" in texts and "2e génération" in texts
    dashed = [b for b in boxes if b.get_linestyle() == "--"]
    assert len(dashed) == 1
    plt.close(fig)


def test_car_generation_data_cover_both_documents():
    df = data.load("car_generations")
    these = df[df["source_doc"] == "these"]
    article = df[df["source_doc"] == "article"]
    assert sorted(these["generation"].unique()) == [1, 2]
    assert sorted(article["generation"].unique()) == [1, 2, 3, 4]
    gen1 = these[these["generation"] == 1].sort_values("order")["domain"].tolist()
    assert gen1 == ["scFv", "Charnière", "Transmembranaire", "CD3ζ"]
    assert set(df["citation"]) == {"these2023", "castillallorente2025"}


def test_constructs_draw_only_the_elements_the_thesis_names():
    from therapybook import data

    df = data.load("constructions")
    fig = diagrams.car_constructs(df, ["ide-cel", "cilta-cel"])
    texts = [t.get_text().replace("\n", " ").replace("- ", "") for t in fig.axes[0].texts]
    assert "ide-cel" in texts and "cilta-cel" in texts
    boxes = [t for t in texts if t not in ("ide-cel", "cilta-cel")]
    assert len(boxes) == int(df["construct"].isin(["ide-cel", "cilta-cel"]).sum())
    ide = df[df["construct"] == "ide-cel"]
    assert not ide["region"].isin(["transmembrane"]).any()  # not described for ide-cel


def test_epitope_map_places_each_vhh_on_its_amino_acids():
    from therapybook import data

    df = data.load("constructions")
    fig = diagrams.epitope_map(df)
    bars = [(round(p.get_x() + 0.5), round(p.get_x() + p.get_width() - 0.5))
            for p in fig.axes[0].patches]
    vhh = df[(df["construct"] == "cilta-cel") & df["aa_start"].notna()]
    assert set(bars) >= {(int(r.aa_start), int(r.aa_end)) for r in vhh.itertuples()}
    assert (1, 54) in bars
    assert "12 à 23" in diagrams.epitope_alt(df) and "24 à 36" in diagrams.epitope_alt(df)


def test_bispecific_antibody_has_two_arms_and_an_fc():
    from therapybook import data

    fig = diagrams.bispecific_antibody(data.load("constructions"), "teclistamab")
    texts = " ".join(t.get_text().replace("\n", " ") for t in fig.axes[0].texts)
    assert "Bras anti-BCMA" in texts and "Bras anti-CD3" in texts and "Fc IgG4" in texts
