from therapybook.render import reported


def test_approximate_values_stay_approximate():
    assert reported.approx(350, True) == "≈\u00a0350"
    assert reported.approx(88, False) == "88"
    assert reported.quantity(350, "patients", approximate=True) == "environ 350\u00a0patients"


def test_citation_column_becomes_a_myst_citation():
    assert reported.cite("a;b") == "{cite}`a,b`"
