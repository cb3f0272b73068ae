"""Money is Decimal everywhere (DESIGN §3): amounts 2 places, unit prices 4, quantities 3."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
PRICE_STEP = Decimal("0.0001")
QTY_STEP = Decimal("0.001")
ZERO = Decimal("0.00")

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_GROUP_UNITS = ("", "万", "亿")
_LIMIT = Decimal("1000000000000")  # 万亿: beyond any order this system will see


def to_decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not a number: {value!r}") from exc


def money(value) -> Decimal:
    """Round to 分 (0.01), half up as Chinese invoicing does."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def price(value) -> Decimal:
    return to_decimal(value).quantize(PRICE_STEP, rounding=ROUND_HALF_UP)


def quantity(value) -> Decimal:
    return to_decimal(value).quantize(QTY_STEP, rounding=ROUND_HALF_UP)


def split_tax(gross, rate) -> tuple[Decimal, Decimal]:
    """Split a tax-inclusive amount into (tax-exclusive, tax) with the VAT rate (e.g. 0.13)."""
    gross = money(gross)
    net = money(gross / (Decimal(1) + to_decimal(rate)))
    return net, gross - net


def _four_digits(number: int) -> str:
    """0 < number < 10000 in capitals, zeros between digits collapsed to one 零."""
    text = ""
    pending_zero = False
    for position in range(3, -1, -1):
        digit = (number // 10**position) % 10
        if digit == 0:
            pending_zero = bool(text)
            continue
        if pending_zero:
            text += _DIGITS[0]
            pending_zero = False
        text += _DIGITS[digit] + _SMALL_UNITS[position]
    return text


def amount_in_words(value) -> str:
    """Amount in Chinese capital numerals (大写金额).

    1234567.89 → 壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分.

    Follows the usual rules for bills: 整 after 元 when there are no 角/分, a single 零 for
    any run of zeros inside the number, 零 before 分 when 角 is zero.
    """
    amount = money(value)
    if abs(amount) >= _LIMIT:
        raise ValueError("amount too large for capitals")
    sign = "负" if amount < 0 else ""
    amount = abs(amount)
    cents = int(amount * 100)
    integer, jiao, fen = cents // 100, (cents // 10) % 10, cents % 10

    text = ""
    if integer:
        groups = []
        while integer:
            groups.append(integer % 10000)
            integer //= 10000
        zero_pending = False
        for index in range(len(groups) - 1, -1, -1):
            group = groups[index]
            if group == 0:
                zero_pending = bool(text)
                continue
            if text and (zero_pending or group < 1000):
                text += _DIGITS[0]
            text += _four_digits(group) + _GROUP_UNITS[index]
            zero_pending = False
        text += "元"
    if not jiao and not fen:
        return sign + (text or "零元") + "整"
    if jiao:
        text += _DIGITS[jiao] + "角"
    if fen:
        if text and not jiao:
            text += _DIGITS[0]
        text += _DIGITS[fen] + "分"
    return sign + text


def format_quantity(value) -> str:
    """A quantity without trailing zeros and never in exponent form: 3.000 → 3, 10 → 10."""
    if value in (None, ""):
        return ""
    text = f"{to_decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_cny(value) -> str:
    """¥1,234.50"""
    amount = money(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"
