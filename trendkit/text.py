"""Vietnamese text handling: NFC, legacy TCVN3 (ABC) repair and diacritic-free keys.

Every piece of text that enters trendkit passes through :func:`clean_text`, and every
comparison of names (headers, provinces, channels) uses :func:`fold`, so that
"Tỉnh Lạng Sơn", "LANG SON" and "lang  son" are the same key.

Examples
--------
>>> clean_text("H¶i quan L¹ng S¬n")
'Hải quan Lạng Sơn'
>>> fold("  Đường   BỘ ")
'duong bo'
"""

from __future__ import annotations

import itertools
import re
import unicodedata

__all__ = [
    "clean_text",
    "fold",
    "from_tcvn3",
    "from_vni",
    "looks_like_tcvn3",
    "looks_like_vni",
    "strip_diacritics",
    "to_tcvn3",
    "to_vni",
]

# TCVN 5712:1993 VN3 ("ABC", the .VnTime fonts), bytes 0xA1-0xFF -> Unicode.
# The upper-case toned letters of VN1 (0x80-0x9F and a few control positions)
# were never in the ABC fonts and are not mapped.
_TCVN3_HIGH = (
    "\u0102\u00c2\u00ca\u00d4\u01a0\u01af\u0110\u0103\u00e2\u00ea\u00f4\u01a1\u01b0\u0111\u1eb0"  # A1-AF
    "\u0300\u0309\u0303\u0301\u0323\u00e0\u1ea3\u00e3\u00e1\u1ea1\u1eb2\u1eb1\u1eb3\u1eb5\u1eaf\u1eb4"  # B0-BF
    "\u1eae\u1ea6\u1ea8\u1eaa\u1ea4\u1ec0\u1eb7\u1ea7\u1ea9\u1eab\u1ea5\u1ead\u00e8\u1ec2\u1ebb\u1ebd"  # C0-CF
    "\u00e9\u1eb9\u1ec1\u1ec3\u1ec5\u1ebf\u1ec7\u00ec\u1ec9\u1ec4\u1ebe\u1ed2\u0129\u00ed\u1ecb\u00f2"  # D0-DF
    "\u1ed4\u1ecf\u00f5\u00f3\u1ecd\u1ed3\u1ed5\u1ed7\u1ed1\u1ed9\u1edd\u1edf\u1ee1\u1edb\u1ee3\u00f9"  # E0-EF
    "\u1ed6\u1ee7\u0169\u00fa\u1ee5\u1eeb\u1eed\u1eef\u1ee9\u1ef1\u1ef3\u1ef7\u1ef9\u00fd\u1ef5\u1ed0"  # F0-FF
)
_TCVN3_TABLE = {0xA1 + i: ch for i, ch in enumerate(_TCVN3_HIGH)}
_TCVN3_INVERSE = {ch: b for b, ch in _TCVN3_TABLE.items()}

# Latin-1 letters that genuine Vietnamese Unicode text uses; every other character in
# U+00A1-U+00FF (¶ ¹ ¬ § µ ...) is a symbol that only shows up in TCVN3 text read as
# Latin-1, so its presence marks a string as TCVN3.
_VIETNAMESE_LATIN1 = set("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý")
_TCVN3_MARKERS = frozenset(
    chr(c) for c in range(0xA1, 0x100) if chr(c) not in _VIETNAMESE_LATIN1 and c != 0xD7 and c != 0xF7
)
# In TCVN3, bytes 0xC0-0xDD are lower-case toned letters that Latin-1 (or Windows-1258) shows as
# upper-case accented ones: "TuyÕn" / "TuyƠn" (Tuyến) has no symbol character, but a lower-case
# letter followed by an upper-case accented letter inside a word never happens in Vietnamese text.


def _lower_then_accented_upper(text: str) -> bool:
    return any(a.islower() and b.isupper() and ord(b) > 0x7F for a, b in itertools.pairwise(text))


# VNI (VNI-Windows fonts): a toned vowel is the base letter followed by a mark byte, shown as Latin-1
# ("Vieät Nam", "Haûi quan"); đ is ñ, ơ is ô, ư is ö. Marks by the combining marks they stand for.
_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_CIRC, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"
_VNI_TONES = {"ù": _ACUTE, "ø": _GRAVE, "û": _HOOK, "õ": _TILDE, "ï": _DOT}
_VNI_CIRC = {"â": "", "á": _ACUTE, "à": _GRAVE, "å": _HOOK, "ã": _TILDE, "ä": _DOT}
_VNI_BREVE = {"ê": "", "é": _ACUTE, "è": _GRAVE, "ú": _HOOK, "ü": _TILDE, "ë": _DOT}


def _vni_table() -> dict[str, str]:
    pairs: dict[str, str] = {}
    for upper in (False, True):
        case = str.upper if upper else (lambda x: x)
        for base in "aeouy":
            for mark, comb in _VNI_TONES.items():
                pairs[case(base) + case(mark)] = case(base) + comb
        for base in "aeo":
            for mark, comb in _VNI_CIRC.items():
                pairs[case(base) + case(mark)] = case(base) + _CIRC + comb
        for mark, comb in _VNI_BREVE.items():
            pairs[case("a") + case(mark)] = case("a") + _BREVE + comb
        for horn, base in (("ô", "o"), ("ö", "u")):
            for mark, comb in _VNI_TONES.items():
                pairs[case(horn) + case(mark)] = case(base) + _HORN + comb
    singles = {"ñ": "đ", "Ñ": "Đ", "ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư", "æ": "ỉ", "Æ": "Ỉ", "ó": "ĩ", "Ó": "Ĩ",
               "ò": "ị", "Ò": "Ị", "î": "ỵ", "Î": "Ỵ"}  # fmt: skip
    table = {k: unicodedata.normalize("NFC", v) for k, v in {**pairs, **singles}.items()}
    return table


_VNI = _vni_table()
_VNI_RE = re.compile("|".join(sorted(map(re.escape, _VNI), key=len, reverse=True)))
_VNI_INVERSE = {v: k for k, v in sorted(_VNI.items(), key=lambda kv: len(kv[0]))}  # pairs win over singles
# Latin-1 letters that no Vietnamese word contains: each must be explained by VNI (a mark after its
# base vowel, or a VNI letter such as ñ = đ) for a string to count as VNI.
_VNI_ONLY = frozenset("ñÑöÖûÛïÏäÄåÅëËüÜæÆîÎøØ")
_TCVN3_SYMBOLS = frozenset(chr(c) for c in range(0xA1, 0xC0))
# o + á/à/ã is VNI ố/ồ/ỗ but also the old spelling of khoá, hoà, loã: no evidence either way.
_VNI_AMBIGUOUS = frozenset({"oá", "oà", "oã", "Oá", "Oà", "Oã", "OÁ", "OÀ", "OÃ"})
_VNI_LETTERS = frozenset("ñÑöÖôÔæÆîÎóÓòÒ")


def _vni_evidence(text: str) -> int:
    """Unambiguous VNI pairs and letters in ``text``; -1 when a VNI-only character is unexplained."""
    evidence, i = 0, 0
    while i < len(text):
        pair = text[i : i + 2]
        if len(pair) == 2 and pair in _VNI:
            evidence += pair not in _VNI_AMBIGUOUS
            i += 2
            continue
        ch = text[i]
        if ch in _VNI_ONLY:
            prev = text[i - 1] if i else " "
            if ch not in _VNI_LETTERS or (ch.isupper() and prev.islower()):
                return -1  # a mark with no base, or "ViÖt": TCVN3 or something else, not VNI
            evidence += ch in "ñÑ"  # đ; ư ỉ ĩ ị ỵ (ö æ ó ò î) are allowed, but TCVN3 uses them too
        i += 1
    return evidence


def looks_like_vni(text: str, codec: str = "latin-1") -> bool:
    """Whether ``text`` is VNI-encoded Vietnamese read as ``codec``.

    VNI text read as Latin-1 is all Latin-1, holds no TCVN3 symbol (U+00A1–U+00BF), and has a
    vowel followed by a mark that no Vietnamese word has ("aâ", "eä", "ôù") or a VNI letter
    (ñ = đ); every Latin-1 letter foreign to Vietnamese must be explained that way.

    >>> looks_like_vni("Laïng Sôn"), looks_like_vni("bieân giôùi"), looks_like_vni("Lạng Sơn")
    (True, True, False)
    >>> looks_like_vni("Hoà Bình"), looks_like_vni("khëi tè"), looks_like_vni("ViÖt Nam")
    (False, False, False)
    """
    if any(ch in _TCVN3_SYMBOLS for ch in text) or _lower_then_accented_upper(text.replace("Ñ", "").replace("Ö", "")):
        return False
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return _vni_evidence(text) > 0


def from_vni(text: str, codec: str = "latin-1") -> str:
    """Convert VNI text that was decoded with ``codec`` into NFC Unicode.

    >>> from_vni("Laïng Sôn"), from_vni("Cuïc Haûi quan tænh Quaûng Ninh"), from_vni("ÑÖÔØNG BOÄ")
    ('Lạng Sơn', 'Cục Hải quan tỉnh Quảng Ninh', 'ĐƯỜNG BỘ')
    """
    latin = text.encode(codec).decode("latin-1")
    return unicodedata.normalize("NFC", _VNI_RE.sub(lambda m: _VNI[m.group(0)], latin))


def to_vni(text: str) -> str:
    """Encode NFC text as VNI and show it as Latin-1, the way Excel shows VNI-font cells.

    >>> to_vni("Lạng Sơn"), from_vni(to_vni("Đường biển Hải Phòng"))
    ('Laïng Sôn', 'Đường biển Hải Phòng')
    """
    return "".join(_VNI_INVERSE.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


_SPACE_RE = re.compile(r"\s+")
_NON_ALNUM_RE = re.compile(r"[^0-9a-z]+")


def looks_like_tcvn3(text: str, codec: str = "latin-1") -> bool:
    """Whether ``text`` is TCVN3 bytes that were read as ``codec`` (a single-byte codec).

    A string qualifies when it can be encoded back to single bytes with ``codec`` and holds
    at least one character that is a symbol there but a letter in TCVN3, or a lower-case
    letter directly followed by an upper-case accented one ("TuyÕn").

    >>> looks_like_tcvn3("Qu¶ng Ninh"), looks_like_tcvn3("TuyÕn biÓn"), looks_like_tcvn3("Quảng Ninh")
    (True, True, False)
    >>> looks_like_tcvn3("CÀ MAU"), looks_like_tcvn3("Café"), looks_like_tcvn3("TuyƠn", "cp1258")
    (False, False, True)
    """
    if not any(ch in _TCVN3_MARKERS for ch in text) and not _lower_then_accented_upper(text):
        return False
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def from_tcvn3(text: str, codec: str = "latin-1") -> str:
    """Convert TCVN3 text that was decoded with ``codec`` into NFC Unicode.

    >>> from_tcvn3("§\\xadêng bé")
    'Đường bộ'
    """
    raw = text.encode(codec, errors="strict")
    out = "".join(_TCVN3_TABLE.get(b, chr(b)) for b in raw)
    return unicodedata.normalize("NFC", out)


def to_tcvn3(text: str) -> str:
    """Encode NFC text as TCVN3 and show it as Latin-1, the way Excel shows ABC-font cells.

    Used to make realistic legacy cells in synthetic extracts. Upper-case toned letters
    (not in the ABC fonts) raise ValueError.

    >>> to_tcvn3("Đường bộ") == "§\xadêng bé"
    True
    >>> from_tcvn3(to_tcvn3("Thuốc lá điếu"))
    'Thuốc lá điếu'
    """
    inverse = _TCVN3_INVERSE
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in inverse:
            out.append(chr(inverse[ch]))
        elif ord(ch) < 0x80:
            out.append(ch)
        else:
            raise ValueError(f"{ch!r} in {text!r} has no TCVN3 (ABC) code")
    return "".join(out)


def clean_text(text: str, codec: str = "latin-1") -> str:
    """NFC text with surrounding white space removed; VNI and TCVN3 repaired when detected.

    ``codec`` is how the source file was decoded (``"cp1258"`` for Windows-1258 CSV
    files, otherwise Latin-1, which is how Excel shows ABC-font text).

    >>> clean_text("  Lào Cai ") == "Lào Cai"
    True
    """
    if text.isascii():  # no diacritics, so neither VNI nor TCVN3, and already NFC
        return _SPACE_RE.sub(" ", text).strip()
    if looks_like_vni(text, codec):
        text = from_vni(text, codec)
    elif looks_like_tcvn3(text, codec):
        text = from_tcvn3(text, codec)
    return unicodedata.normalize("NFC", _SPACE_RE.sub(" ", text).strip())


def fold(text: str) -> str:
    """A comparison key: no diacritics, lower case, runs of non-alphanumerics as one space.

    >>> fold("Tỉnh/TP"), fold("TP.HCM"), fold("Đắk Lắk")
    ('tinh tp', 'tp hcm', 'dak lak')
    """
    return _NON_ALNUM_RE.sub(" ", strip_diacritics(text).lower()).strip()


def strip_diacritics(text: str) -> str:
    """Vietnamese text without diacritics, case and punctuation kept.

    >>> strip_diacritics("TP. Hồ Chí Minh")
    'TP. Ho Chi Minh'
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
