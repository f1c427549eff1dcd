from therapybook import evidence


def test_approximate_values_stay_approximate():
    assert evidence.approx(350, True) == "≈\u00a0350"
    assert evidence.approx(88, False) == "88"
    assert evidence.quantity(350, "patients", approximate=True) == "environ 350\u00a0patients"


def test_citation_column_becomes_a_myst_citation():
    assert evidence.cite("a;b") == "{cite}`a,b`"
