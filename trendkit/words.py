"""Bilingual words as data: each text a stable key with its Vietnamese and its English, so code
composes sentences from keys and never parses prose back ("startswith", "split(' / ')").

>>> CHANNELS["road"].vi, CHANNELS["road"].en, str(CHANNELS["road"])
('đường bộ', 'road', 'đường bộ / road')
>>> REASONS["buffer_receivers"].en
'buffer: rose significantly in the displacement scan'
>>> label("sea"), label("hovercraft")
(Bi(key='sea', vi='đường biển', en='sea'), Bi(key='hovercraft', vi='hovercraft', en='hovercraft'))
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CHANNELS", "CLAIMS", "COMMODITY_GROUPS", "OUTCOMES", "REASONS", "UNITS", "VERDICTS", "Bi", "label"]


@dataclass(frozen=True)
class Bi:
    """One text in both languages under a stable ``key``; ``str()`` gives "Vietnamese / English"."""

    key: str
    vi: str
    en: str

    def __str__(self) -> str:
        return f"{self.vi} / {self.en}"

    def capitalised(self) -> Bi:
        """The same text with each language's first letter upper-case (a label at the start of a line)."""
        return Bi(self.key, self.vi[:1].upper() + self.vi[1:], self.en[:1].upper() + self.en[1:])


def _table(*rows: tuple[str, str, str]) -> dict[str, Bi]:
    return {key: Bi(key, vi, en) for key, vi, en in rows}


#: Transport channels (the canonical ``channel`` values).
CHANNELS = _table(
    ("road", "đường bộ", "road"),
    ("rail", "đường sắt", "rail"),
    ("sea", "đường biển", "sea"),
    ("air", "hàng không", "air"),
    ("post", "bưu chính", "post"),
    ("inland_waterway", "đường thủy nội địa", "inland waterway"),
    ("inland", "nội địa", "inland"),
    ("unknown", "chưa rõ", "unknown"),
)

#: Commodity groups (the canonical ``commodity_group`` values).
COMMODITY_GROUPS = _table(
    ("drugs", "ma túy", "drugs"),
    ("cigarettes", "thuốc lá", "cigarettes"),
    ("fuel", "xăng dầu", "fuel"),
    ("sugar", "đường", "sugar"),
    ("fireworks", "pháo", "fireworks"),
    ("wildlife", "động vật hoang dã", "wildlife"),
    ("counterfeit", "hàng giả, xâm phạm SHTT", "counterfeit and IP goods"),
    ("gold_currency", "vàng, ngoại tệ", "gold and foreign currency"),
    ("food", "thực phẩm, gia cầm, thịt đông lạnh", "food, poultry and frozen meat"),
    ("medicines", "thuốc chữa bệnh", "medicines"),
    ("cosmetics", "mỹ phẩm", "cosmetics"),
    ("electronics", "hàng điện tử", "electronics"),
    ("weapons", "vũ khí, công cụ hỗ trợ", "weapons"),
    ("scrap", "phế liệu, hàng đã qua sử dụng", "scrap and used goods"),
    ("coal_minerals", "than, khoáng sản", "coal and minerals"),
    ("alcohol", "rượu bia", "alcohol"),
    ("timber", "gỗ", "timber"),
    ("textiles", "may mặc, giày dép, túi xách", "clothing, shoes and bags"),
    ("other", "khác", "other"),
)

#: Handling outcomes (the canonical ``outcome`` values).
OUTCOMES = _table(
    ("administrative", "xử phạt hành chính", "administrative penalty"),
    ("criminal", "khởi tố", "prosecuted"),
    ("referred", "chuyển cơ quan khác", "transferred"),
    ("pending", "đang xử lý", "pending"),
    ("unknown", "chưa rõ", "unknown"),
)

#: Standard units of quantity (the canonical ``unit_std`` values).
UNITS = _table(
    ("kg", "kg", "kg"),
    ("litre", "lít", "litres"),
    ("piece", "chiếc, viên, điếu", "pieces"),
    ("head", "con", "head"),
)

#: Why a unit is in (or out of) a group of a displacement measure or a comparison.
REASONS = _table(
    ("buffer_neighbours", "vùng đệm: tỉnh giáp ranh", "buffer: land neighbours of the targets"),
    ("buffer_receivers", "vùng đệm: nơi nhận", "buffer: rose significantly in the displacement scan"),
    ("control_left_out", "loại khỏi nhóm đối chứng", "left out of the control (named, or rose in the scan)"),
    ("never_control", "không dùng làm đối chứng", "never a control: unknown or other"),
    ("control_named_rising", "đối chứng do người phân tích chọn",
     "in the control as named, though the scan found it rising"),
    ("no_scan", "chưa quét được nơi nhận", "receivers not looked for: the displacement scan could not run"),
    ("neighbours", "tỉnh giáp ranh", "neighbours of the targets"),
    ("receivers", "nơi nhận", "rose significantly in the displacement scan"),
    ("named", "người phân tích loại", "named by the analyst"),
    ("gaps", "thiếu báo cáo trong giai đoạn phân tích", "did not report every month of the window"),
)  # fmt: skip

#: What the displacement measures may claim, gated by their intervals.
CLAIMS = _table(
    ("no_success", "Chưa thấy địa bàn mục tiêu giảm rõ so với đối chứng, nên chưa thể nói gì về dịch chuyển",
     "no clear success in the target relative to the control (95% interval of the success measure includes 0), "
     "so nothing can be said about displacement."),
    ("displacement", "Có dấu hiệu dịch chuyển sang vùng đệm: so với nhóm đối chứng, vùng đệm tăng rõ (khoảng tin "
     "cậy 95% nằm hẳn trên 0)",
     "displacement into the buffer: the buffer rose relative to the control (95% interval above 0)."),
    ("diffusion", "Có dấu hiệu lan tỏa lợi ích sang vùng đệm: so với nhóm đối chứng, vùng đệm cũng giảm rõ (khoảng "
     "tin cậy 95% nằm hẳn dưới 0)",
     "diffusion of benefits: the buffer fell relative to the control too (95% interval below 0)."),
    ("no_clear_shift", "Chưa đủ bằng chứng về dịch chuyển hay lan tỏa",
     "no clear evidence either way: the buffer's change relative to the control is within chance (95% interval "
     "includes 0)."),
    ("displacement_units", "Có dấu hiệu dịch chuyển sang {units}: tăng rõ so với đối chứng khi xét riêng từng đơn vị "
     "(khoảng 95% đồng thời > 0), dù cả vùng đệm gộp lại chưa rõ",
     "displacement into {units}: each rose clearly against the control on its own (simultaneous 95% interval "
     "above 0), though the buffer as a whole did not."),
    ("diffusion_units", "Có dấu hiệu lan tỏa lợi ích sang {units}: giảm rõ khi xét riêng từng đơn vị, dù cả vùng đệm "
     "gộp lại chưa rõ",
     "diffusion of benefits to {units}: each fell clearly against the control on its own (simultaneous 95% "
     "interval below 0), though the buffer as a whole did not."),
)  # fmt: skip

#: The one verdict of a displacement study (:func:`trendkit.models.study.displacement_study`).
VERDICTS = _table(
    ("displacement", "có dịch chuyển", "displacement"),
    ("diffusion", "lan tỏa lợi ích", "diffusion of benefits"),
    ("no_clear_shift", "chưa thấy dịch chuyển rõ", "no clear shift"),
    ("national_shock", "biến động chung cả nước", "a national shock"),
)


def label(channel: str) -> Bi:
    """A channel's words; a value trendkit does not know keeps its own spelling in both languages."""
    return CHANNELS.get(channel) or Bi(channel, channel, channel)
