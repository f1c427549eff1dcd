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
    assert fmt.signif(1234.5) == "1234"  # R's print keeps the integer digits (not signif())


def test_signif_is_the_survival_modules_rule():
    from therapybook.stats import survival

    for x in (1234.5, 99.95, 0.000123456, 5.125, 14.4123, 0.0):
        assert fmt.signif(x) == survival.r_signif(x, decimal=",")


def test_numbers_in_words():
    assert [fmt.words(n) for n in (0, 1, 5, 9, 10, 17, 21, 45, 71, 80, 81, 99, 100, 200, 201)] == [
        "zéro", "un", "cinq", "neuf", "dix", "dix-sept", "vingt et un", "quarante-cinq",
        "soixante et onze", "quatre-vingts", "quatre-vingt-un", "quatre-vingt-dix-neuf", "cent",
        "deux cents", "deux cent un"]
    assert fmt.words(1, feminine=True) == "une"
    assert fmt.words(21, feminine=True) == "vingt et une"


def test_counts_in_running_text():
    assert fmt.count(5) == "cinq"
    assert fmt.count(5, capital=True) == "Cinq"
    assert fmt.count(9) == "neuf" and fmt.count(10) == "10" and fmt.count(45) == "45"
    assert fmt.count(1, feminine=True) == "une"


def test_percent_and_counts():
    assert fmt.percent(73.8, 1) == "73,8\u00a0%"
    assert fmt.count_percent(17, 31) == "17 (55)"
    assert fmt.months(4.37, 2) == "4,37\u00a0mois"
    assert fmt.months(None) == "non atteinte"
    assert fmt.interval(2.04, 12.5) == "2,04 – 12,5"


def test_small_numbers_in_quoted_phrases():
    assert fmt.small_numbers_in_words("au moins 3") == "au moins trois"
    assert fmt.small_numbers_in_words("2 à 4") == "deux à quatre"
    for kept in ("2/3", "97 %", "5 mois", "1-2", "12", "2,6"):
        assert fmt.small_numbers_in_words(kept) == kept


def test_months_and_ordinals():
    assert fmt.month("2018-09") == "septembre 2018"
    assert fmt.ordinal(1) == "premier" and fmt.ordinal(1, feminine=True) == "première"
    assert fmt.ordinal(9) == "neuvième" and fmt.ordinal(13) == "13e"


def test_small_numbers_in_words_can_count_a_feminine_noun():
    # « 1 à 3 lignes » reads « une à trois lignes », not « un à trois lignes »
    assert fmt.small_numbers_in_words("1 à 3", feminine=True) == "une à trois"
    assert fmt.small_numbers_in_words("1 à 3") == "un à trois"
