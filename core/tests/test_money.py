from decimal import Decimal

import pytest

from core.money import amount_in_words, format_cny, money, split_tax


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("0", "零元整"),
        ("0.05", "伍分"),
        ("0.50", "伍角"),
        ("10.00", "壹拾元整"),
        ("100010.01", "壹拾万零壹拾元零壹分"),
        ("1234567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
        ("1.05", "壹元零伍分"),
        ("1010", "壹仟零壹拾元整"),
        ("10010", "壹万零壹拾元整"),
        ("1000000", "壹佰万元整"),
        ("1010000", "壹佰零壹万元整"),
        ("100000000", "壹亿元整"),
        ("100100000", "壹亿零壹拾万元整"),
        ("200000500.30", "贰亿零伍佰元叁角"),
        ("-12.30", "负壹拾贰元叁角"),
    ],
)
def test_amount_in_words(value, words):
    assert amount_in_words(Decimal(value)) == words


def test_amount_in_words_rounds_to_fen_and_refuses_huge_amounts():
    assert amount_in_words(Decimal("0.005")) == "壹分"
    with pytest.raises(ValueError):
        amount_in_words(Decimal("1000000000000"))


def test_money_rounds_half_up_and_never_uses_float():
    assert money("2.675") == Decimal("2.68")
    assert money(2.675) == Decimal("2.68")  # repr(2.675) == '2.675'


def test_split_tax_keeps_gross_exact():
    net, tax = split_tax(Decimal("1130.00"), Decimal("0.13"))
    assert (net, tax) == (Decimal("1000.00"), Decimal("130.00"))
    net, tax = split_tax(Decimal("100.00"), Decimal("0.13"))
    assert net + tax == Decimal("100.00")
    assert net == Decimal("88.50")


def test_format_cny():
    assert format_cny(Decimal("1234.5")) == "¥1,234.50"
    assert format_cny(Decimal("-3")) == "-¥3.00"
