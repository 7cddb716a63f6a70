"""Normalisation tables: Vietnamese and English words -> canonical codes.

Each table maps a canonical value to the words that mean it (Vietnamese first, then
English). Matching is on :func:`trendkit.text.fold` keys: exact first, then the longest
alias that occurs as whole words inside the text ("Hàng lậu qua đường biển" -> ``sea``).

>>> match(CHANNELS, "Chuyển phát nhanh (CPN)")
'post'
>>> match(VIOLATIONS, "Vận chuyển trái phép hàng hóa qua biên giới")
'illegal_transport'
>>> match(CHANNELS, "tàu vũ trụ") is None
True
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from functools import cache, lru_cache
from importlib import resources

from trendkit.text import strip_diacritics
from trendkit.words import Bi

__all__ = [
    "CHANNELS",
    "CHANNEL_VALUES",
    "COMMODITIES",
    "COMMODITY_GROUPS",
    "COMMODITY_GROUP_VALUES",
    "COMMODITY_LABELS",
    "COMMODITY_VALUES",
    "HEADERS",
    "OUTCOMES",
    "OUTCOME_VALUES",
    "PLACE_KINDS",
    "PLACE_KIND_VALUES",
    "VIOLATIONS",
    "VIOLATION_VALUES",
    "match",
]

Table = Mapping[str, Sequence[str]]

CHANNELS: Table = {
    "road": [
        "đường bộ",
        "đb",
        "tuyến đb",
        "bộ",
        "tuyến bộ",
        "biên giới đất liền",
        "đất liền",
        "biên giới",
        "tuyến biên giới",
        "cửa khẩu biên giới",
        "đường biên",
        "đường biên giới",
        "road",
        "land",
        "truck",
    ],
    "sea": [
        "đường biển",
        "biển",
        "tuyến biển",
        "cảng biển",
        "đường thủy",
        "tàu biển",
        "tàu cá",
        "đường thủy quốc tế",
        "sea",
        "maritime",
        "seaport",
        "port",
    ],
    "air": [
        "đường hàng không",
        "hàng không",
        "đường không",
        "sân bay",
        "hk",
        "đường hk",
        "máy bay",
        "cảng hàng không",
        "air",
        "airport",
        "air cargo",
    ],
    "rail": ["đường sắt", "ga liên vận", "tàu hỏa", "đs", "tàu liên vận", "rail", "railway", "train"],
    "post": [
        "bưu chính",
        "bưu điện",
        "chuyển phát nhanh",
        "cpn",
        "tmđt",
        "chuyển phát",
        "bưu gửi",
        "thương mại điện tử",
        "bưu phẩm",
        "bưu kiện",
        "post",
        "postal",
        "parcel",
        "parcels",
        "express",
        "courier",
        "e-commerce",
        "ecommerce",
    ],
    "inland_waterway": [
        "đường thủy nội địa",
        "thủy nội địa",
        "đtnđ",
        "đường sông",
        "tuyến sông",
        "sông mê kông",
        "sông tiền",
        "sông hậu",
        "inland waterway",
        "river",
        "mekong",
    ],
    "inland": ["nội địa", "trong nội địa", "inland", "domestic"],
    "unknown": ["không rõ", "chưa xác định", "unknown", "n/a", "na"],
}
CHANNEL_VALUES = tuple(CHANNELS)

VIOLATIONS: Table = {
    "smuggling": ["buôn lậu", "smuggling", "contraband"],
    "illegal_transport": [
        "vận chuyển trái phép hàng hóa qua biên giới",
        "vận chuyển trái phép",
        "vctp",
        "vc trái phép",
        "vctp hàng hóa qua biên giới",
        "vận chuyển hàng cấm",
        "illegal transport",
        "illegal cross-border transport",
    ],
    "trade_fraud": [
        "gian lận thương mại",
        "gltm",
        "gian lận tm",
        "gian lận xuất xứ",
        "trốn thuế",
        "gian lận thuế",
        "khai sai",
        "trade fraud",
        "origin fraud",
        "tax evasion",
        "fraud",
    ],
    "drugs": ["ma túy", "chất ma túy", "drugs", "drug", "narcotics"],
    "counterfeit": [
        "hàng giả",
        "xâm phạm quyền sở hữu trí tuệ",
        "shtt",
        "xâm phạm shtt",
        "sở hữu trí tuệ",
        "counterfeit",
        "ip infringement",
        "fake goods",
    ],
    "prohibited": ["hàng cấm", "prohibited", "prohibited goods"],
    "other": ["khác", "vi phạm khác", "other"],
}
VIOLATION_VALUES = tuple(VIOLATIONS)

OUTCOMES: Table = {
    "administrative": [
        "xử phạt vi phạm hành chính",
        "xử phạt hành chính",
        "xử lý hành chính",
        "phạt hành chính",
        "hành chính",
        "xphc",
        "xlhc",
        "vphc",
        "xp vphc",
        "xử phạt vphc",
        "phạt vphc",
        "qđxp",
        "qđ xphc",
        "xử phạt hc",
        "xử lý hc",
        "administrative",
        "administrative penalty",
        "fine",
    ],
    "criminal": [
        "khởi tố",
        "khởi tố vụ án hình sự",
        "khởi tố hình sự",
        "hình sự",
        "vahs",
        "khởi tố vahs",
        "kt vahs",
        "ktvahs",
        "kths",
        "khởi tố vụ án",
        "khởi tố bị can",
        "khởi tố hs",
        "criminal",
        "prosecuted",
    ],
    "referred": [
        "chuyển cơ quan khác đề nghị khởi tố",
        "chuyển cơ quan khác",
        "chuyển công an",
        "chuyển cơ quan điều tra",
        "chuyển cqđt",
        "chuyển cqcsđt",
        "chuyển ca",
        "chuyển bđbp",
        "chuyển biên phòng",
        "chuyển vks",
        "bàn giao công an",
        "bàn giao cqđt",
        "referred",
        "referral",
    ],
    "pending": [
        "đang xử lý",
        "chờ xử lý",
        "chưa xử lý",
        "đang xác minh",
        "đang điều tra",
        "đang giải quyết",
        "pending",
        "under investigation",
    ],
    "unknown": ["không rõ", "chưa rõ", "unknown"],
}
OUTCOME_VALUES = tuple(OUTCOMES)


def _commodities() -> tuple[Table, dict[str, str], dict[str, Bi]]:
    """The shipped commodity taxonomy (``trendkit/data/commodities.csv``): each commodity's words, and
    the group it belongs to."""
    with resources.files("trendkit.data").joinpath("commodities.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return (
        {r["commodity"]: r["aliases"].split("|") for r in rows},
        {r["commodity"]: r["commodity_group"] for r in rows},
        {r["commodity"]: Bi(r["commodity"], r["label_vi"], r["label_en"]) for r in rows},
    )


#: Commodities by substance or kind (heroin, methamphetamine, cigarettes, fuel …) and their words.
#: COMMODITY_GROUPS maps each to its group (heroin → drugs), COMMODITY_LABELS to its bilingual name;
#: unmatched text is ``other``.
COMMODITIES, COMMODITY_GROUPS, COMMODITY_LABELS = _commodities()
COMMODITY_VALUES = (*COMMODITIES, "other")
COMMODITY_GROUP_VALUES = (*dict.fromkeys(COMMODITY_GROUPS.values()), "other")

#: Kinds of place where a case was detected: "trails → official gates" is a question about these.
#: The gazetteer's named gates, ports and airports give the kind first (see ``fields.place``);
#: these words classify free text. Informal crossings are checked before the rest, because
#: "đường mòn gần cửa khẩu X" is a trail, not the gate.
PLACE_KINDS: Table = {
    "informal_crossing": [
        "lối mở",
        "đường mòn",
        "lối mòn",
        "đường mòn lối mở",
        "đường tiểu ngạch",
        "tiểu ngạch",
        "đường tắt",
        "lối tắt",
        "bến đò ngang",
        "bến tạm",
        "vượt biên",
        "qua sông suối",
        "trail",
        "footpath",
        "informal crossing",
        "unofficial crossing",
    ],
    "official_gate": [
        "cửa khẩu",
        "ck",
        "cửa khẩu quốc tế",
        "ckqt",
        "cửa khẩu chính",
        "cửa khẩu phụ",
        "điểm thông quan",
        "lối thông quan",
        "cặp cửa khẩu",
        "border gate",
        "official gate",
        "border checkpoint",
    ],
    "seaport": ["cảng", "cảng biển", "bến cảng", "cảng container", "cảng tổng hợp", "seaport", "port", "harbour"],
    "airport": ["sân bay", "cảng hàng không", "chk", "chkqt", "nhà ga hàng không", "airport"],
    "post_office": [
        "bưu cục",
        "bưu điện",
        "bưu chính",
        "chuyển phát nhanh",
        "cpn",
        "kho chuyển phát",
        "trung tâm khai thác",
        "post office",
        "express courier",
    ],
    "inland": [
        "nội địa",
        "chợ",
        "kho",
        "kho hàng",
        "kho bãi",
        "cửa hàng",
        "quốc lộ",
        "ql",
        "tỉnh lộ",
        "trạm thu phí",
        "inland",
        "market",
        "warehouse",
        "shop",
        "highway",
    ],
}
PLACE_KIND_VALUES = (*PLACE_KINDS, "unknown")
#: The gazetteer's kind of place → ``place_kind``.
GAZETTEER_KINDS = {"border_gate": "official_gate", "seaport": "seaport", "airport": "airport"}

# Source headers -> canonical column. Compared after fold() and after any unit in
# parentheses ("(triệu đồng)") has been taken off.
HEADERS: Table = {
    "case_id": [
        "mã vụ việc",
        "mã vụ",
        "số hồ sơ",
        "số vụ việc",
        "số biên bản",
        "mã hồ sơ",
        "case id",
        "case no",
        "case number",
        "id",
    ],
    "detected_on": [
        "ngày phát hiện",
        "ngày bắt giữ",
        "ngày vi phạm",
        "thời gian phát hiện",
        "ngày",
        "ngày tháng",
        "detected on",
        "detection date",
        "date detected",
        "date",
    ],
    "province": [
        "tỉnh/tp",
        "tỉnh",
        "địa bàn",
        "tỉnh thành",
        "tỉnh/thành phố",
        "tỉnh thành phố",
        "đơn vị",
        "đơn vị phát hiện",
        "province",
        "province city",
        "location province",
    ],
    "channel": [
        "tuyến",
        "phương thức vận chuyển",
        "tuyến đường",
        "loại hình vận chuyển",
        "tuyến vận chuyển",
        "channel",
        "route",
        "transport mode",
        "mode",
    ],
    "violation": ["loại vi phạm", "lĩnh vực", "hành vi vi phạm", "loại hành vi", "violation", "violation type"],
    "commodity_raw": ["mặt hàng", "tang vật", "hàng hóa vi phạm", "tang vật vi phạm", "commodity", "goods"],
    "goods_value_vnd": [
        "trị giá hàng vi phạm",
        "trị giá",
        "giá trị",
        "trị giá tang vật",
        "giá trị hàng vi phạm",
        "value",
        "goods value",
        "value vnd",
        "goods value vnd",
    ],
    "quantity": [
        "số lượng",
        "khối lượng",
        "trọng lượng",
        "số lượng tang vật",
        "khối lượng tang vật",
        "số lượng hàng vi phạm",
        "sl",
        "quantity",
        "weight",
        "quantity seized",
    ],
    "unit": ["đơn vị tính", "đvt", "đơn vị đo", "unit", "unit of measure", "uom"],
    "outcome": ["hình thức xử lý", "kết quả xử lý", "xử lý", "biện pháp xử lý", "outcome", "action taken"],
    "place_raw": ["cửa khẩu", "địa điểm", "địa điểm phát hiện", "cảng", "place", "border gate", "location"],
}


@lru_cache(maxsize=1 << 16)  # header cells and distinct values repeat: fold each text once
def _keys(text: str) -> tuple[str, str]:
    """The folded key (:func:`trendkit.text.fold`) and the same key with its diacritics kept, aligned
    character for character, so a match found on one can be checked on the other. Each word's tone
    mark sits on its last vowel (:func:`_tone_on_last_vowel`), so "Ma tuý" and "Ma túy" agree.

    >>> _keys("Tuyến Biên-giới")
    ('tuyen bien gioi', 'tuyến biên giơí')
    """
    folded, accented = [], []
    for ch in unicodedata.normalize("NFC", text).lower():
        base = strip_diacritics(ch)
        keep = len(base) == 1 and (base.isascii() and base.isalnum())
        folded.append(base if keep else " ")
        accented.append(ch if keep else " ")
    return " ".join("".join(folded).split()), " ".join(map(_tone_on_last_vowel, "".join(accented).split()))


#: The five tone marks (grave, acute, tilde, hook above, dot below); the vowel marks (circumflex,
#: breve, horn) stay where they are.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_VOWELS = frozenset("aeiouy")


def _tone_on_last_vowel(word: str) -> str:
    """One word with its tone mark moved to its last vowel: the old and new placements ("tuý" and
    "túy", "hoà" and "hòa") give one key, while different tones ("biên", "biển") stay different.

    >>> _tone_on_last_vowel("túy") == _tone_on_last_vowel("tuý"), _tone_on_last_vowel("hòa") == "hoà"
    (True, True)
    """
    letters = [unicodedata.normalize("NFD", ch) for ch in word]
    tones = [m for ch in letters for m in ch[1:] if m in _TONES]
    vowels = [i for i, ch in enumerate(letters) if ch[0] in _VOWELS]
    if len(tones) != 1 or not vowels:
        return word
    bare = ["".join(m for m in ch if m not in _TONES) for ch in letters]
    bare[vowels[-1]] += tones[0]
    return "".join(unicodedata.normalize("NFC", ch) for ch in bare)


def _agrees(text_acc: str, text_fold: str, alias_acc: str, alias_fold: str) -> bool:
    """A folded match counts only when the accents agree: the text or the alias was typed without
    them, or they are the same ("biên" is not "biển")."""
    return text_acc == text_fold or alias_acc == alias_fold or text_acc == alias_acc


Aliases = dict[str, list[tuple[str, str]]]  # folded key -> (canonical, accented alias) for each alias


@cache
def _compiled(table_id: int) -> tuple[Aliases, list[str]]:
    """The table's aliases by folded key, and the keys longest first (a longer alias wins)."""
    aliases: Aliases = {}
    for canonical, words in _TABLES[table_id].items():
        for alias in (canonical.replace("_", " "), *words):
            key, acc = _keys(alias)
            aliases.setdefault(key, []).append((canonical, acc))
    return aliases, sorted(aliases, key=len, reverse=True)


def _word_starts(key: str, text: str) -> Iterator[int]:
    """Where ``key`` occurs in ``text`` as whole words (both are folded: words joined by one space),
    each occurrence after the previous one and the space that ends it.

    >>> list(_word_starts("xu ly", "xu ly da xu ly")), list(_word_starts("a", "a a")), list(_word_starts("bo", "bon"))
    ([0, 9], [0], [])
    """
    padded, needle = f" {text} ", f" {key} "
    at = padded.find(needle)
    while at >= 0:
        yield at
        at = padded.find(needle, at + len(key) + 2)


def _pick(candidates: list[tuple[str, str]], text_acc: str, key: str) -> set[str]:
    return {c for c, alias_acc in candidates if _agrees(text_acc, key, alias_acc, key)}


_TABLES: dict[int, Table] = {}


def match(table: Table, text: str, *, contains: bool = True) -> str | None:
    """The canonical value for ``text`` in ``table``, or ``None`` when nothing matches.

    Matching ignores case and punctuation, and ignores diacritics only where they cannot change
    the meaning: text typed without diacritics matches any alias, but "Biên giới" (border) never
    matches "biển" (sea); text without diacritics that could mean either ("duong bien": đường biên,
    the border, or đường biển, the sea) matches nothing rather than a guess. With ``contains=False``
    only whole-text matches count (used for headers,
    where "Ngày" must not capture "Ngày nhập kho").

    >>> match(CHANNELS, "Tuyến biên giới"), match(CHANNELS, "Đường biển"), match(CHANNELS, "duong bien")
    ('road', 'sea', None)
    """
    _TABLES.setdefault(id(table), table)
    aliases, by_length = _compiled(id(table))
    key, acc = _keys(text)
    if not key:
        return None
    found = _pick(aliases.get(key, []), acc, key)
    if not found and contains:
        for alias_key in by_length:
            for start in _word_starts(alias_key, key):
                found = _pick(aliases[alias_key], acc[start : start + len(alias_key)], alias_key)
                if found:
                    break
            if found:
                break
    return found.pop() if len(found) == 1 else None  # two meanings: ambiguous, not guessed
