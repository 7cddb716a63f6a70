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

import re
from collections.abc import Mapping, Sequence
from functools import cache

from trendkit.text import fold

__all__ = [
    "CHANNELS",
    "CHANNEL_VALUES",
    "COMMODITIES",
    "HEADERS",
    "OUTCOMES",
    "OUTCOME_VALUES",
    "VIOLATIONS",
    "VIOLATION_VALUES",
    "match",
]

Table = Mapping[str, Sequence[str]]

CHANNELS: Table = {
    "road": ["đường bộ", "bộ", "tuyến bộ", "biên giới đất liền", "đất liền", "road", "land", "truck"],
    "sea": ["đường biển", "biển", "tuyến biển", "cảng biển", "đường thủy", "sea", "maritime", "seaport", "port"],
    "air": ["đường hàng không", "hàng không", "đường không", "sân bay", "air", "airport", "air cargo"],
    "rail": ["đường sắt", "ga liên vận", "tàu hỏa", "rail", "railway", "train"],
    "post": [
        "bưu chính",
        "bưu điện",
        "chuyển phát nhanh",
        "cpn",
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
    "inland": ["nội địa", "trong nội địa", "inland", "domestic"],
    "unknown": ["không rõ", "chưa xác định", "unknown", "n/a", "na"],
}
CHANNEL_VALUES = tuple(CHANNELS)

VIOLATIONS: Table = {
    "smuggling": ["buôn lậu", "smuggling", "contraband"],
    "illegal_transport": [
        "vận chuyển trái phép hàng hóa qua biên giới",
        "vận chuyển trái phép",
        "vận chuyển hàng cấm",
        "illegal transport",
        "illegal cross-border transport",
    ],
    "trade_fraud": [
        "gian lận thương mại",
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
        "administrative",
        "administrative penalty",
        "fine",
    ],
    "criminal": ["khởi tố", "khởi tố vụ án hình sự", "khởi tố hình sự", "hình sự", "criminal", "prosecuted"],
    "referred": [
        "chuyển cơ quan khác đề nghị khởi tố",
        "chuyển cơ quan khác",
        "chuyển công an",
        "chuyển cơ quan điều tra",
        "referred",
        "referral",
    ],
    "unknown": ["đang xử lý", "chưa xử lý", "đang xác minh", "unknown", "pending"],
}
OUTCOME_VALUES = tuple(OUTCOMES)

COMMODITIES: Table = {
    "cigarettes": ["thuốc lá", "thuốc lá điếu", "xì gà", "cigarettes", "cigarette", "tobacco"],
    "sugar": ["đường cát", "đường kính", "đường trắng", "sugar"],
    "firecrackers": ["pháo", "pháo nổ", "pháo hoa", "firecrackers", "fireworks"],
    "frozen_food": [
        "thực phẩm đông lạnh",
        "đông lạnh",
        "nội tạng",
        "chân gà",
        "thịt",
        "frozen food",
        "frozen",
        "meat",
    ],
    "alcohol": ["rượu", "bia", "rượu ngoại", "alcohol", "liquor", "wine", "beer"],
    "drugs": ["ma túy", "heroin", "ma túy tổng hợp", "ketamine", "cần sa", "drugs", "methamphetamine"],
    "gold_currency": ["vàng", "ngoại tệ", "tiền mặt", "gold", "currency", "cash"],
    "fuel": ["xăng", "dầu", "xăng dầu", "dầu diesel", "fuel", "petrol", "diesel"],
    "used_goods": ["hàng đã qua sử dụng", "phế liệu", "used goods", "scrap"],
    "timber": ["gỗ", "timber", "wood"],
    "wildlife": ["động vật hoang dã", "ngà voi", "sừng tê giác", "vảy tê tê", "wildlife", "ivory"],
    "electronics": ["điện thoại", "điện tử", "linh kiện điện tử", "electronics", "phones"],
    "textiles": ["quần áo", "vải", "giày dép", "may mặc", "textiles", "clothing", "garments"],
    "cosmetics_medicine": ["mỹ phẩm", "thuốc tân dược", "tân dược", "dược phẩm", "cosmetics", "medicine"],
    "agricultural": ["nông sản", "hoa quả", "trái cây", "gia cầm", "gia súc", "agricultural", "fruit", "livestock"],
}

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
    "outcome": ["hình thức xử lý", "kết quả xử lý", "xử lý", "biện pháp xử lý", "outcome", "action taken"],
    "place_raw": ["cửa khẩu", "địa điểm", "địa điểm phát hiện", "cảng", "place", "border gate", "location"],
}


@cache
def _compiled(table_id: int) -> tuple[dict[str, str], list[tuple[re.Pattern[str], str]]]:
    table = _TABLES[table_id]
    exact: dict[str, str] = {}
    words: list[tuple[str, str]] = []
    for canonical, aliases in table.items():
        for alias in (canonical.replace("_", " "), *aliases):
            key = fold(alias)
            exact.setdefault(key, canonical)
            words.append((key, canonical))
    words.sort(key=lambda kv: -len(kv[0]))
    patterns = [(re.compile(rf"(?:^| ){re.escape(k)}(?: |$)"), c) for k, c in words]
    return exact, patterns


_TABLES: dict[int, Table] = {}


def match(table: Table, text: str, *, contains: bool = True) -> str | None:
    """The canonical value for ``text`` in ``table``, or ``None`` when nothing matches.

    With ``contains=False`` only whole-text matches count (used for headers, where
    "Ngày" must not capture "Ngày nhập kho").
    """
    _TABLES.setdefault(id(table), table)
    exact, patterns = _compiled(id(table))
    key = fold(text)
    if not key:
        return None
    if key in exact:
        return exact[key]
    if contains:
        for pattern, canonical in patterns:
            if pattern.search(key):
                return canonical
    return None
