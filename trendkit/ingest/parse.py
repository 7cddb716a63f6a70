"""Parsers for the numbers and dates found in Vietnamese case extracts.

Each parser takes one cell's text and returns ``(value, problem)``: exactly one of the
two is ``None``. The problem is a plain sentence naming what was found and what was
expected, ready to go into a rejected row's ``reason``.

>>> parse_amount("2 tỷ 300 triệu")
(2300000000.0, None)
>>> parse_amount("1.234,5", unit=1_000_000)
(1234500000.0, None)
>>> parse_date("12/1/2021")
(datetime.date(2021, 1, 12), None)
>>> parse_date("31/02/2021")[1]
"'31/02/2021' is not a real date (day 31, month 2, year 2021); expected day/month/year"
"""

from __future__ import annotations

import datetime as dt
import math
import re

from trendkit.text import fold, strip_diacritics

__all__ = ["UNIT_WORDS", "parse_amount", "parse_date", "parse_number", "unit_from_header"]

# Magnitude words, folded. Longer spellings first so "ty dong" is not read as "ty".
UNIT_WORDS: dict[str, float] = {
    "ty": 1e9,
    "trieu": 1e6,
    "nghin": 1e3,
    "ngan": 1e3,
    "billion": 1e9,
    "bn": 1e9,
    "million": 1e6,
    "mn": 1e6,
    "thousand": 1e3,
    "k": 1e3,
    "tr": 1e6,
}
_NUMBER_RE = re.compile(r"^[+-]?(?:\d[\d.,\s]*\d|\d)$")
_GROUPED_DOT = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
_GROUPED_COMMA = re.compile(r"^\d{1,3}(?:,\d{3}){2,}$")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")
_WORD_ALT = "|".join(sorted(UNIT_WORDS, key=len, reverse=True))
_AMOUNT_PART = re.compile(rf"(\d[\d.,]*)\s*({_WORD_ALT})?(?![a-z])")
_AMOUNT_FULL = re.compile(rf"(?:\s*\d[\d.,]*\s*(?:{_WORD_ALT})?(?![a-z]))+\s*")
_CURRENCY_SUFFIX = re.compile(r"(?:(?<=[\s\d])|^)\s*(?:dong|vnd|d)\.?\s*$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_number(text: str) -> tuple[float | None, str | None]:
    """A plain number in Vietnamese or English form.

    '.' groups thousands and ',' marks decimals (Vietnamese); a lone '.' not followed by
    exactly three-digit groups is read as a decimal point; several ',' groups are read as
    English thousands separators.

    >>> [parse_number(s)[0] for s in ["1.234.567", "1.234,5", "25,7", "12.5", "1,234,567", "7"]]
    [1234567.0, 1234.5, 25.7, 12.5, 1234567.0, 7.0]
    """
    s = text.strip().replace("\u00a0", "").replace(" ", "")
    if _SCIENTIFIC.match(s):
        value = float(s)
        if not math.isfinite(value):
            return None, f"'{text}' is too large to be a number of đồng"
        return value, None
    if not _NUMBER_RE.match(s):
        return None, f"'{text}' is not a number; expected digits such as 1.234.567 or 12,5"
    sign = -1.0 if s.startswith("-") else 1.0
    plain, problem = _plain_digits(s.lstrip("+-"))
    if problem:
        return None, f"'{text}' has {problem}"
    try:
        return sign * float(plain), None
    except ValueError:
        return None, f"'{text}' is not a number"


def _plain_digits(s: str) -> tuple[str, str | None]:
    """``s`` with its thousands separators removed and its decimal mark a '.', or what is wrong with it.

    >>> _plain_digits("1.234,5"), _plain_digits("1,234.5"), _plain_digits("25,7"), _plain_digits("1.2.3")
    (('1234.5', None), ('1234.5', None), ('25.7', None), ('1.2.3', 'dots in unexpected places; expected 1.234.567'))
    """
    if "." in s and "," in s:
        if s.rfind(",") > s.rfind("."):  # 1.234,5
            return s.replace(".", "").replace(",", "."), None
        return s.replace(",", ""), None  # 1,234.5
    if "." in s:
        if _GROUPED_DOT.match(s):
            return s.replace(".", ""), None
        return s, ("dots in unexpected places; expected 1.234.567" if s.count(".") > 1 else None)
    if "," in s:
        if _GROUPED_COMMA.match(s):
            return s.replace(",", ""), None
        if s.count(",") == 1:
            return s.replace(",", "."), None
        return s, "commas in unexpected places; expected 1.234,5"
    return s, None


def parse_amount(text: str, unit: float = 1.0) -> tuple[float | None, str | None]:
    """An amount of money in VND: "12,5 tỷ", "350 triệu", "2 tỷ 300 triệu", "1.234.567 đ".

    ``unit`` is the column's unit (1e6 for a "(triệu đồng)" column); a unit written in the cell
    itself (a magnitude word, or "đ"/"đồng"/"VND") takes precedence over it. A bare number after a magnitude word
    ("12 tỷ 5") is ambiguous and rejected.

    >>> parse_amount("12,5 tỷ đồng")[0], parse_amount("350 triệu")[0], parse_amount("15", unit=1e6)[0]
    (12500000000.0, 350000000.0, 15000000.0)
    >>> parse_amount("1.234.567 đ", unit=1e6)[0]  # the cell says đồng: the column's millions do not apply
    1234567.0
    >>> parse_amount("-5")[1]
    "'-5' is negative; expected a value of goods of 0 or more"
    """
    value, problem = parse_number(text)
    if problem is None and value is not None:
        total = value * unit
    else:
        folded = _fold_keep_digits(text)
        key = _CURRENCY_SUFFIX.sub("", folded)
        bare = 1.0 if key != folded else unit  # "… đ": a bare number is in đồng whatever the column says
        if not _AMOUNT_FULL.fullmatch(key):
            return None, (f"'{text}' is not an amount; expected e.g. 1.234.567, 12,5 tỷ, 350 triệu or 2 tỷ 300 triệu")
        total = 0.0
        parts = _AMOUNT_PART.findall(key)
        for i, (digits, word) in enumerate(parts):
            number, problem = parse_number(digits)
            if number is None:
                return None, problem
            if not word and i > 0:
                return None, f"'{text}' is ambiguous: a bare number follows a magnitude word"
            total += number * (UNIT_WORDS[word] if word else bare)
    if total < 0:
        return None, f"'{text}' is negative; expected a value of goods of 0 or more"
    return total, None


def _fold_keep_digits(text: str) -> str:
    """Lower case without diacritics, keeping '.', ',' and '-' (fold() drops them)."""
    return strip_diacritics(text).lower().strip()


def unit_from_header(header: str) -> float | None:
    """The multiplier a header declares, e.g. "Trị giá (triệu đồng)" -> 1e6; None if none.

    >>> unit_from_header("Trị giá (triệu đồng)"), unit_from_header("Trị giá hàng vi phạm (đồng)")
    (1000000.0, 1.0)
    """
    for part in re.findall(r"\(([^)]*)\)", header):
        key = fold(part)
        words = key.split()
        if not words:
            continue
        if words[0] in UNIT_WORDS:
            return UNIT_WORDS[words[0]]
        if words[0] in {"1000", "1 000"}:
            return 1e3
        if words[0] in {"dong", "vnd", "d"}:
            return 1.0
    return None


_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_WORDS = re.compile(r"^(?:ngay\s*)?(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})$")
_DMY_TIME = re.compile(r"^(.*?)\s+\d{1,2}:\d{2}(?::\d{2})?$")


def parse_date(text: str, *, serial: float | None = None) -> tuple[dt.date | None, str | None]:
    """A day-first date: "12/01/2021", "12-1-2021", "12.01.2021", "ngày 12 tháng 1 năm 2021",
    ISO "2021-01-12", or an Excel serial number (given as ``serial`` or as the text).

    Impossible dates are rejected, never guessed.

    >>> parse_date("2021-01-12")[0], parse_date("44208")[0], parse_date("12.01.21")[0]
    (datetime.date(2021, 1, 12), datetime.date(2021, 1, 12), datetime.date(2021, 1, 12))
    >>> parse_date("12/03/0021")[0]
    datetime.date(21, 3, 12)
    """
    s = text.strip()
    m = _DMY_TIME.match(s)
    if m and ("/" in m.group(1) or "." in m.group(1) or "-" in m.group(1)):
        s = m.group(1)
    if serial is None and re.fullmatch(r"\d{5}(?:\.\d+)?", s):
        serial = float(s)
    if serial is not None:
        if not 1 <= serial < 2_958_466:
            return None, f"'{text}' is not a date; expected an Excel date serial number"
        return _EXCEL_EPOCH + dt.timedelta(days=int(serial)), None
    if m := _ISO.match(s):
        year, month, day = (int(g) for g in m.groups())
    elif m := _DMY.match(s):
        day, month, year = (int(g) for g in m.groups())
        if len(m.group(3)) == 2:  # "21" is 2021; "0021" is the year 21, never guessed (the range check rejects it)
            year += 2000 if year < 70 else 1900
    elif m := _WORDS.match(fold(s)):
        day, month, year = (int(g) for g in m.groups())
    else:
        return None, f"'{text}' is not a date; expected day/month/year such as 12/01/2021"
    try:
        return dt.date(year, month, day), None
    except ValueError:
        return None, (f"'{text}' is not a real date (day {day}, month {month}, year {year}); expected day/month/year")
