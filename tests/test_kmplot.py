"""Kaplan-Meier figures: they build, and the risk table shows survival's numbers."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from therapybook.plots import figures, kmplot
from therapybook.stats import survival


@pytest.fixture
def curves():
    rng = np.random.default_rng(7)
    out = {}
    for name, scale, n in [("CAR-T cells", 8, 18), ("Bispécifiques", 4, 20), ("ADC", 4, 7)]:
        t = np.round(rng.exponential(scale, n), 2)
        e = rng.random(n) < 0.8
        out[name] = survival.kaplan_meier(t, e)
    out["ADC"] = survival.kaplan_meier([0, 0, 1, 3.81, 4, 6, 8], [1, 1, 1, 1, 0, 1, 0])
    return out


def test_plot_builds_with_risk_table(curves):
    colors = dict(zip(curves, figures.CLASS_COLORS.values(), strict=True))
    fig = kmplot.plot(curves, colors=colors, title="Survie globale", pvalue=0.0241, step=2)
    ax, rax = fig.axes
    assert rax.get_label() == "risk_table"
    ticks = kmplot.tick_times(ax.get_xlim()[1] / 1.02, 2)
    assert list(ax.get_xticks()) == list(ticks)
    # one row per curve, one number per tick, equal to survival.at_risk, coloured like the curve
    names = list(curves)
    for j, name in enumerate(names):
        y = len(names) - 1 - j
        row = sorted((t.get_position()[0], t.get_text(), t.get_color())
                     for t in rax.texts if t.get_position()[1] == y)
        assert [int(r[1]) for r in row] == curves[name].at_risk(ticks).tolist()
        assert {r[2] for r in row} == {colors[name]}
    assert [t.get_text() for t in rax.get_yticklabels()] == names[::-1]
    texts = [t.get_text() for t in ax.texts]
    assert "Log-rank : p = 0,024" in texts
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[2] == "ADC (n = 7) : médiane 3,81\u00a0mois"
    assert ax.get_xlabel() == kmplot.XLABEL and ax.get_ylabel() == kmplot.YLABEL
    assert ax.yaxis.get_major_formatter()(0.2, 1) == "0,2"
    plt.close(fig)


def test_medians_and_censor_marks_are_drawn(curves):
    fig = kmplot.plot({"ADC": curves["ADC"]}, risk_table=False)
    (ax,) = fig.axes
    marks = [ln for ln in ax.lines if ln.get_marker() == "+"]
    assert len(marks) == 1
    assert list(marks[0].get_xdata()) == [4, 8]
    dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert any(list(ln.get_xdata()) == [3.81, 3.81] for ln in dashed)
    plt.close(fig)


def test_median_not_reached_and_pvalue_labels():
    km = survival.kaplan_meier([1, 2, 3], [1, 0, 0])
    assert kmplot.median_label(km) == "médiane non atteinte"
    assert kmplot.pvalue_label(0.0241) == "p = 0,024"
    assert kmplot.pvalue_label(0.0004) == "p < 0,001"
    assert kmplot.default_step(17.5) == 2
    assert kmplot.default_step(40) == 6
    fig = kmplot.plot({"x": km})
    assert not any(ln.get_linestyle() == "--" for ln in fig.axes[0].lines)
    plt.close(fig)


def test_sizes_can_be_left_out_where_the_published_numbers_do_not_fix_them(curves):
    # per-class OS sizes of the pseudo-cohort are the reconstruction's choice: neither the
    # legend, nor a risk table (whose first column is the size), nor the alt text gives them
    fig = kmplot.plot(curves, ci=False, sizes=False)
    legend = " ".join(t.get_text() for t in fig.axes[0].get_legend().get_texts())
    assert "n =" not in legend and len(fig.axes) == 1
    assert "n =" not in kmplot.describe(curves, sizes=False)
    assert "(n = 18)" in kmplot.describe(curves)
    plt.close(fig)
