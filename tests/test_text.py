import unicodedata

import pytest

import trendkit as tk
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


# --- VNI ---------------------------------------------------------------------------------------

VNI_CASES = [
    ("Laïng Sôn", "Lạng Sơn"),
    ("Cuïc Haûi quan tænh Quaûng Ninh", "Cục Hải quan tỉnh Quảng Ninh"),
    ("Ñöôøng boä", "Đường bộ"),
    ("Xöû phaït vi phaïm haønh chính", "Xử phạt vi phạm hành chính"),
    ("Vieät Nam", "Việt Nam"),
    ("ÑAØ NAÜNG", "ĐÀ NẴNG"),
    ("bieân giôùi", "biên giới"),
]


@pytest.mark.parametrize(("vni", "unicode_"), VNI_CASES)
def test_vni_is_detected_and_repaired(vni, unicode_):
    from trendkit.text import looks_like_vni, to_vni

    assert looks_like_vni(vni) and clean_text(vni) == unicode_
    assert to_vni(unicode_) == vni


def test_vni_read_through_windows_1258_is_repaired_too():
    vni = "Laïng Sôn; Ñöôøng bieån".encode("latin-1").decode("cp1258")  # how a VNI CSV reads as cp1258
    assert clean_text(vni, "cp1258") == "Lạng Sơn; Đường biển"


def test_vni_never_touches_real_vietnamese_and_repairs_nearly_all_words():
    from trendkit.ingest.vocab import CHANNELS, COMMODITIES, OUTCOMES, VIOLATIONS
    from trendkit.text import looks_like_vni, to_vni

    words = [w for t in (CHANNELS, OUTCOMES, VIOLATIONS, COMMODITIES) for ws in t.values() for w in ws]
    words += [*tk.provinces("legacy")["name"].to_list(), "Hoà Bình", "khoá", "Thuý", "loã thể", "Café"]
    assert not any(looks_like_vni(w) for w in words)  # Unicode text, old-style tones included, stays as it is
    vietnamese = [w for w in words if not w.isascii()]
    repaired = sum(clean_text(to_vni(w)) == w for w in vietnamese)
    # short words whose VNI form is also plausible Unicode ("Sôn La") cannot be told apart: ≥ 90% are
    assert repaired / len(vietnamese) >= 0.9
