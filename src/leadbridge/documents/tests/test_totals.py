"""Totals against worked examples, one per country's VAT rates (computed by hand in the
comments, the way the tax authorities' rule reads: VAT per rate on the sum of that rate's
bases, rounded half-up to 0.01)."""

from decimal import Decimal as D

import pytest

from leadbridge.documents.totals import compute_totals, line_base, money


def L(qty, price, rate, discount="0"):  # noqa: N802 - a line, short for the tables below
    return {"quantity": D(qty), "unit_price": D(price), "vat_rate": D(rate),
            "discount_percent": D(discount)}  # fmt: skip


def rows(totals):
    return [(r.rate, r.base, r.vat, r.gross) for r in totals.rates]


def test_line_base_rounds_half_up_after_discount():
    assert line_base(D("3"), D("19.99"), D("15")) == D("50.97")  # 50.9745
    assert line_base(D("2.5"), D("199.99"), D("0")) == D("499.98")  # 499.975 → up
    assert line_base(D("1"), D("0.125"), D("0")) == D("0.13")  # half-up, not half-even
    assert line_base(D("-1"), D("0.125"), D("0")) == D("-0.13")  # a credit line mirrors it
    assert money(D("2.675")) == D("2.68")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        line_base(1.1, D("1"), 0)


def test_czech_rates_21_12_0():
    # 3 × 1 250.00 @21 = 3 750.00; 1 × 4 990.00 −10 % @21 = 4 491.00; 2 × 349.00 @12 = 698.00;
    # 1 × 500.00 @0. 21 %: 8 241.00 × 0.21 = 1 730.61; 12 %: 698.00 × 0.12 = 83.76.
    totals = compute_totals(
        [
            L("3", "1250.00", "21"),
            L("1", "4990.00", "21", "10"),
            L("2", "349.00", "12"),
            L("1", "500.00", "0"),
        ]  # fmt: skip
    )
    assert rows(totals) == [
        (D("21.00"), D("8241.00"), D("1730.61"), D("9971.61")),
        (D("12.00"), D("698.00"), D("83.76"), D("781.76")),
        (D("0.00"), D("500.00"), D("0.00"), D("500.00")),
    ]
    assert (totals.base, totals.vat, totals.gross) == (D("9439.00"), D("1814.37"), D("11253.37"))


def test_slovak_rates_23_19_5():
    # 7 × 12.35 @23 = 86.45 → VAT 19.8835 → 19.88; 3 × 19.99 −15 % @19 = 50.9745 → 50.97 →
    # VAT 9.6843 → 9.68; 1 × 2.50 @5 → VAT 0.125 → 0.13 (half-up: banker's rounding gives 0.12).
    totals = compute_totals(
        [L("7", "12.35", "23"), L("3", "19.99", "19", "15"), L("1", "2.50", "5")]
    )
    assert rows(totals) == [
        (D("23.00"), D("86.45"), D("19.88"), D("106.33")),
        (D("19.00"), D("50.97"), D("9.68"), D("60.65")),
        (D("5.00"), D("2.50"), D("0.13"), D("2.63")),
    ]
    assert (totals.base, totals.vat, totals.gross) == (D("139.92"), D("29.69"), D("169.61"))


def test_polish_rates_23_8_5():
    # 2.5 × 199.99 @23 = 499.975 → 499.98 → VAT 114.9954 → 115.00; 10 × 4.05 @8 = 40.50 →
    # 3.24; 4 × 3.33 −5 % @5 = 12.654 → 12.65 → VAT 0.6325 → 0.63 (art. 106e ust. 11).
    totals = compute_totals(
        [L("2.5", "199.99", "23"), L("10", "4.05", "8"), L("4", "3.33", "5", "5")]
    )
    assert rows(totals) == [
        (D("23.00"), D("499.98"), D("115.00"), D("614.98")),
        (D("8.00"), D("40.50"), D("3.24"), D("43.74")),
        (D("5.00"), D("12.65"), D("0.63"), D("13.28")),
    ]
    assert (totals.base, totals.vat, totals.gross) == (D("553.13"), D("118.87"), D("672.00"))


def test_lithuanian_rates_21_9_5():
    # 21 %: 1 000.00 + 3 × 0.35 = 1 001.05 → VAT 210.2205 → 210.22; 9 %: 6 × 7.45 = 44.70 →
    # 4.023 → 4.02; 5 %: 2 × 8.75 = 17.50 → 0.875 → 0.88.
    totals = compute_totals(
        [L("1", "1000.00", "21"), L("3", "0.35", "21"), L("6", "7.45", "9"), L("2", "8.75", "5")]
    )
    assert rows(totals) == [
        (D("21.00"), D("1001.05"), D("210.22"), D("1211.27")),
        (D("9.00"), D("44.70"), D("4.02"), D("48.72")),
        (D("5.00"), D("17.50"), D("0.88"), D("18.38")),
    ]
    assert (totals.base, totals.vat, totals.gross) == (D("1063.25"), D("215.12"), D("1278.37"))


def test_mixed_rates_round_per_rate_not_per_line():
    # Three lines of 0.50 at 21 % and three at 12 %. Per rate: 1.50 × 0.21 = 0.315 → 0.32 and
    # 1.50 × 0.12 = 0.18, VAT 0.50. Rounded line by line it would be 3 × 0.11 + 3 × 0.06 = 0.51.
    lines = [L("1", "0.50", "21")] * 3 + [L("1", "0.50", "12")] * 3
    totals = compute_totals(lines)
    assert rows(totals) == [
        (D("21.00"), D("1.50"), D("0.32"), D("1.82")),
        (D("12.00"), D("1.50"), D("0.18"), D("1.68")),
    ]
    assert (totals.base, totals.vat, totals.gross) == (D("3.00"), D("0.50"), D("3.50"))


def test_rates_written_differently_are_one_rate():
    totals = compute_totals([L("1", "10", "21"), {"quantity": "1", "unit_price": "10",
                             "vat_rate": "21.0", "discount_percent": None}])  # fmt: skip
    assert rows(totals) == [(D("21.00"), D("20.00"), D("4.20"), D("24.20"))]


def test_reverse_charge_lists_the_rates_with_no_vat():
    totals = compute_totals([L("2", "1500.00", "21"), L("1", "99.90", "12")], reverse_charge=True)
    assert rows(totals) == [
        (D("21.00"), D("3000.00"), D("0.00"), D("3000.00")),
        (D("12.00"), D("99.90"), D("0.00"), D("99.90")),
    ]
    assert (totals.base, totals.vat, totals.gross) == (D("3099.90"), D("0.00"), D("3099.90"))
    assert totals.as_dict()["reverse_charge"] is True
    assert totals.as_dict()["gross"] == "3099.90"


def test_empty_document():
    totals = compute_totals([])
    assert totals.rates == [] and totals.gross == D("0.00")
