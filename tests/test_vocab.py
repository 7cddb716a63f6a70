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
