"""Every entry of every normalisation table maps to its canonical value."""

import pytest

from trendkit.ingest.vocab import CHANNELS, COMMODITIES, HEADERS, OUTCOMES, VIOLATIONS, match

TABLES = {"channel": CHANNELS, "violation": VIOLATIONS, "outcome": OUTCOMES, "commodity": COMMODITIES}
ENTRIES = [
    (name, canonical, alias)
    for name, table in TABLES.items()
    for canonical, aliases in table.items()
    for alias in aliases
]
HEADER_ENTRIES = [(canonical, alias) for canonical, aliases in HEADERS.items() for alias in aliases]


@pytest.mark.parametrize(("table", "canonical", "alias"), ENTRIES)
def test_every_alias(table, canonical, alias):
    t = TABLES[table]
    assert match(t, alias) == canonical
    assert match(t, alias.upper()) == canonical  # any case
    assert match(t, f"  {alias}  ") == canonical


@pytest.mark.parametrize(("canonical", "alias"), HEADER_ENTRIES)
def test_every_header_alias(canonical, alias):
    assert match(HEADERS, alias, contains=False) == canonical
    assert match(HEADERS, alias.upper(), contains=False) == canonical


@pytest.mark.parametrize(
    ("table", "text", "canonical"),
    [
        (CHANNELS, "Hàng lậu qua đường biển", "sea"),
        (CHANNELS, "Duong bo", "road"),
        (CHANNELS, "Chuyển phát nhanh (CPN)", "post"),
        (VIOLATIONS, "Hành vi buôn lậu thuốc lá", "smuggling"),
        (OUTCOMES, "Đã khởi tố vụ án hình sự", "criminal"),
        (COMMODITIES, "Thuốc lá điếu Jet", "cigarettes"),
    ],
)
def test_words_inside_longer_text(table, text, canonical):
    assert match(table, text) == canonical


def test_unknown_words_do_not_match():
    assert match(CHANNELS, "tàu vũ trụ") is None
    assert match(HEADERS, "Ngày nhập kho", contains=False) is None
    assert match(CHANNELS, "") is None


@pytest.mark.parametrize(
    ("table", "text", "canonical"),
    [
        (CHANNELS, "Đường thủy nội địa", "inland_waterway"),  # the longer alias wins over "đường thủy" (sea)
        (CHANNELS, "ĐTNĐ", "inland_waterway"),
        (CHANNELS, "Hàng gửi CPN / TMĐT", "post"),
        (CHANNELS, "HK", "air"),
        (OUTCOMES, "Đã ra QĐXP", "administrative"),
        (OUTCOMES, "Khởi tố VAHS", "criminal"),
        (OUTCOMES, "Chuyển CQĐT đề nghị khởi tố", "referred"),
        (VIOLATIONS, "VCTP hàng hóa qua biên giới", "illegal_transport"),
    ],
)
def test_unit_abbreviations_in_context(table, text, canonical):
    assert match(table, text) == canonical


def test_short_codes_that_mean_something_else_stay_unmatched():
    assert match(OUTCOMES, "Mã HS 2402") is None  # HS is the tariff code, not hình sự
    assert match(OUTCOMES, "HC") is None  # too short to be sure
    assert match(CHANNELS, "Công ty TNHH Đông Bắc") is None


def test_word_search_finds_what_the_whole_word_regex_finds():
    """``_word_starts`` replaced one compiled regex per alias, ``(?:^| )(key)(?: |$)`` with finditer;
    on random folded texts it must find the same occurrences."""
    import random
    import re

    from trendkit.ingest.vocab import _word_starts

    rng = random.Random(7)
    words = ["a", "b", "ab", "xu", "ly", "xu ly", "a a"]
    for _ in range(3000):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 8)))
        key = rng.choice(words)
        expected = [m.start(1) for m in re.finditer(rf"(?:^| )({re.escape(key)})(?: |$)", text)]
        assert list(_word_starts(key, text)) == expected, (key, text)
