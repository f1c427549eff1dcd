import pandas as pd

from therapybook.plots import networks

EDGES = pd.DataFrame({"ligand": ["APRIL", "BAFF", "BAFF"],
                      "receptor": ["BCMA", "BCMA", "TACI"],
                      "strength": ["preferential", "secondary", "preferential"]})


def test_layout_two_columns_in_order():
    pos = networks.layout(EDGES, "ligand", "receptor")
    assert pos["APRIL"] == (0.0, 1.0) and pos["BAFF"] == (0.0, 0.0)
    assert pos["BCMA"][0] == 1.0 and pos["BCMA"][1] > pos["TACI"][1]


def test_bipartite_draws_one_line_per_edge():
    labels = {"preferential": "préférentielle", "secondary": "plus faible"}
    fig = networks.bipartite(EDGES, left="ligand", right="receptor", kind="strength",
                             labels=labels)
    assert len(fig.axes[0].lines) == len(EDGES)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "BAFF : plus faible" in legend
