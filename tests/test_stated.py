from therapybook.render import stated


def test_value_keeps_the_stated_decimals_and_ranges():
    assert stated.value(60, 67, "%") == "60–67\u00a0%"
    assert stated.value(2, 2, "jours") == "2\u00a0jours"
    assert stated.value(20.9, None, "mois") == "20,9\u00a0mois"
    assert stated.value(None) == ""
    assert stated.digits(4.37) == 2 and stated.digits(2.0) == 0
