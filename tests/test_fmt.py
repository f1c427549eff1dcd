from therapybook.render import fmt


def test_decimal_comma_and_rounding():
    assert fmt.number(4.37, 2) == "4,37"
    assert fmt.number(2.345, 2) == "2,35"
    assert fmt.number(12, 0) == "12"
    assert fmt.number(None) == fmt.MISSING


def test_thousands_separator():
    assert fmt.number(12345, 0) == "12\u202f345"
    assert fmt.number(2000, 0) == "2000"


def test_signif_like_r():
    assert fmt.signif(4.3712) == "4,37"
    assert fmt.signif(12.49) == "12,5"
    assert fmt.signif(14.4) == "14,4"
    assert fmt.signif(float("nan")) == "NA"
    assert fmt.signif(0.0) == "0"
    assert fmt.signif(2.5) == "2,5"
    assert fmt.signif(1234.5) == "1230"


def test_percent_and_counts():
    assert fmt.percent(73.8, 1) == "73,8\u00a0%"
    assert fmt.count_percent(17, 31) == "17 (55)"
    assert fmt.months(4.37, 2) == "4,37\u00a0mois"
    assert fmt.months(None) == "non atteinte"
    assert fmt.interval(2.04, 12.5) == "2,04 – 12,5"
