import unicodedata

import pytest

from trendkit.text import clean_text, fold, from_tcvn3, looks_like_tcvn3, strip_diacritics

TCVN3 = [
    ("H¶i quan L¹ng S¬n", "Hải quan Lạng Sơn"),
    ("Qu¶ng Ninh", "Quảng Ninh"),
    ("Lµo Cai", "Lào Cai"),
    ("§\u00adêng bé", "Đường bộ"),
    ("Bu«n lËu", "Buôn lậu"),
    ("Thuèc l¸ ®iÕu", "Thuốc lá điếu"),
    ("Hµ Néi", "Hà Nội"),
    ("Gi¸ trÞ", "Giá trị"),
    ("M\u00adêng Kh\u00ad¬ng", "Mường Khương"),
    ("H÷u NghÞ", "Hữu Nghị"),
    ("ViÖt Nam", "Việt Nam"),
]


@pytest.mark.parametrize(("legacy", "unicode"), TCVN3)
def test_tcvn3_is_repaired(legacy, unicode):
    assert looks_like_tcvn3(legacy)
    assert clean_text(legacy) == unicode
    assert unicodedata.is_normalized("NFC", clean_text(legacy))


@pytest.mark.parametrize("text", ["Hải quan Lạng Sơn", "Hà Nội", "Đà Nẵng", "plain ascii", "Móng Cái", "Cát Lái"])
def test_unicode_text_is_left_alone(text):
    assert not looks_like_tcvn3(text)
    assert clean_text(text) == text


def test_tcvn3_read_through_cp1258():
    # TCVN3 bytes in a file decoded as Windows-1258 look different but are repaired the same way
    raw = "H¶i quan L¹ng S¬n".encode("latin-1")
    as_cp1258 = raw.decode("cp1258")
    assert from_tcvn3(as_cp1258, "cp1258") == "Hải quan Lạng Sơn"


def test_clean_text_composes_decomposed_text_and_trims():
    decomposed = unicodedata.normalize("NFD", "  Lạng   Sơn ")
    assert clean_text(decomposed) == "Lạng Sơn"


def test_fold_and_strip():
    assert fold("Tỉnh/TP") == "tinh tp"
    assert fold("ĐẮK LẮK") == fold("dak lak") == "dak lak"
    assert strip_diacritics("Đường Bộ") == "Duong Bo"
