"""SYNTHETIC case extracts: random records in the raw form provincial units send.

Nothing here is real data. The generator exists so that the demo, the tests and the
benchmarks have extracts whose truth is known; every file it writes says SYNTHETIC in its
name and in its title row.

>>> df = raw_cases(5, seed=1)
>>> df.columns[:4]
['Mã vụ việc', 'Ngày phát hiện', 'Tỉnh/TP', 'Tuyến']
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

__all__ = ["RAW_HEADERS", "raw_cases", "write_sample"]

#: The headers a provincial unit's extract uses, in order.
RAW_HEADERS = [
    "Mã vụ việc",
    "Ngày phát hiện",
    "Tỉnh/TP",
    "Tuyến",
    "Loại vi phạm",
    "Mặt hàng",
    "Trị giá hàng vi phạm (đồng)",
    "Hình thức xử lý",
    "Cửa khẩu",
]

# (province, weight, channels with weights, gate)
_PROVINCES = [
    ("Lạng Sơn", 14, {"Đường bộ": 0.85, "Đường sắt": 0.05, "Nội địa": 0.10}, "Hữu Nghị"),
    ("Quảng Ninh", 13, {"Đường bộ": 0.55, "Đường biển": 0.35, "Nội địa": 0.10}, "Móng Cái"),
    ("Lào Cai", 8, {"Đường bộ": 0.75, "Đường sắt": 0.15, "Nội địa": 0.10}, "Lào Cai"),
    ("Cao Bằng", 4, {"Đường bộ": 0.9, "Nội địa": 0.1}, "Tà Lùng"),
    ("Hà Giang", 3, {"Đường bộ": 0.9, "Nội địa": 0.1}, "Thanh Thủy"),
    ("Hải Phòng", 10, {"Đường biển": 0.85, "Nội địa": 0.15}, "Lạch Huyện"),
    ("Hà Nội", 9, {"Hàng không": 0.5, "Chuyển phát nhanh": 0.4, "Nội địa": 0.1}, "Nội Bài"),
    ("TP. Hồ Chí Minh", 14, {"Hàng không": 0.3, "Đường biển": 0.4, "Bưu chính": 0.25, "Nội địa": 0.05}, "Cát Lái"),
    ("Đà Nẵng", 4, {"Hàng không": 0.4, "Đường biển": 0.5, "Nội địa": 0.1}, "Tiên Sa"),
    ("Tây Ninh", 5, {"Đường bộ": 0.9, "Nội địa": 0.1}, "Mộc Bài"),
    ("An Giang", 5, {"Đường bộ": 0.6, "Đường biển": 0.3, "Nội địa": 0.1}, "Tịnh Biên"),
    ("Quảng Trị", 4, {"Đường bộ": 0.9, "Nội địa": 0.1}, "Lao Bảo"),
    ("Nghệ An", 3, {"Đường bộ": 0.8, "Nội địa": 0.2}, "Nậm Cắn"),
]
_GOODS = {
    "Đường bộ": ["Thuốc lá điếu", "Đường cát", "Pháo nổ", "Nội tạng đông lạnh", "Quần áo"],
    "Đường sắt": ["Hoa quả", "Phế liệu"],
    "Đường biển": ["Xăng dầu", "Hàng đã qua sử dụng", "Gỗ", "Phế liệu"],
    "Hàng không": ["Vàng", "Ma túy tổng hợp", "Điện thoại", "Mỹ phẩm"],
    "Chuyển phát nhanh": ["Ma túy tổng hợp", "Mỹ phẩm", "Thuốc tân dược"],
    "Bưu chính": ["Mỹ phẩm", "Điện thoại", "Thuốc tân dược"],
    "Nội địa": ["Thuốc lá điếu", "Rượu ngoại", "Quần áo"],
}
_VIOLATIONS = ["Buôn lậu", "Vận chuyển trái phép hàng hóa qua biên giới", "Gian lận thương mại", "Hàng giả"]
_OUTCOMES = ["Xử phạt vi phạm hành chính", "Khởi tố", "Chuyển cơ quan khác đề nghị khởi tố"]


def _vn_number(x: int) -> str:
    return f"{x:,}".replace(",", ".")


def raw_cases(
    n: int,
    *,
    seed: int = 0,
    start: dt.date = dt.date(2021, 1, 1),
    end: dt.date = dt.date(2021, 12, 31),
    id_prefix: str = "SYN",
) -> pl.DataFrame:
    """``n`` SYNTHETIC case rows with Vietnamese headers and Vietnamese number/date formats."""
    rng = np.random.default_rng(seed)
    weights = np.array([p[1] for p in _PROVINCES], dtype=float)
    prov_idx = rng.choice(len(_PROVINCES), size=n, p=weights / weights.sum())
    days = rng.integers(0, (end - start).days + 1, size=n)
    values = np.round(np.exp(rng.normal(18.0, 1.6, size=n)), -3).astype(np.int64)
    channels, goods, gates = [], [], []
    for i in prov_idx:
        _name, _, chans, gate = _PROVINCES[i]
        ch = list(chans)
        c = ch[rng.choice(len(ch), p=np.array(list(chans.values())) / sum(chans.values()))]
        channels.append(c)
        g = _GOODS[c]
        goods.append(g[rng.integers(len(g))])
        gates.append(gate if c != "Nội địa" else None)
    dates = [start + dt.timedelta(days=int(d)) for d in days]
    return pl.DataFrame(
        {
            "Mã vụ việc": [f"{id_prefix}-{i:07d}" for i in range(n)],
            "Ngày phát hiện": [d.strftime("%d/%m/%Y") for d in dates],
            "Tỉnh/TP": [_PROVINCES[i][0] for i in prov_idx],
            "Tuyến": channels,
            "Loại vi phạm": [_VIOLATIONS[i] for i in rng.integers(len(_VIOLATIONS), size=n)],
            "Mặt hàng": goods,
            "Trị giá hàng vi phạm (đồng)": [_vn_number(int(v)) for v in values],
            "Hình thức xử lý": [_OUTCOMES[i] for i in rng.choice(3, size=n, p=[0.9, 0.03, 0.07])],
            "Cửa khẩu": gates,
        }
    )


def write_sample(folder: str | Path, *, seed: int = 2021) -> list[Path]:
    """Write the small bundled SYNTHETIC sample: three monthly workbooks and one CSV.

    The workbooks look like provincial reports: a title row, a two-row header with the
    value in "(triệu đồng)", a column-number row, a total row, a blank row, a TCVN3 cell,
    and a few bad rows (an impossible date, an unknown province, an unreadable value).
    """
    import openpyxl

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for k, month in enumerate((1, 2, 3)):
        start = dt.date(2021, month, 1)
        end = start.replace(month=month + 1) - dt.timedelta(days=1)
        df = raw_cases(120, seed=seed + k, start=start, end=end, id_prefix=f"SYN21{month:02d}")
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = f"T{month}"
        ws.append([f"BÁO CÁO KẾT QUẢ CÔNG TÁC CHỐNG BUÔN LẬU THÁNG {month}/2021 — DỮ LIỆU MÔ PHỎNG (SYNTHETIC)"])
        ws.append([])
        top = [
            "STT",
            "Thông tin vụ việc",
            None,
            "Tỉnh/TP",
            "Tuyến",
            "Loại vi phạm",
            "Mặt hàng",
            "Trị giá",
            "Hình thức xử lý",
            "Cửa khẩu",
        ]
        bottom = [None, "Mã vụ việc", "Ngày phát hiện", None, None, None, None, "(triệu đồng)", None, None]
        ws.append(top)
        ws.append(bottom)
        ws.merge_cells(start_row=3, start_column=2, end_row=3, end_column=3)
        for col in (1, 4, 5, 6, 7, 9, 10):
            ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
        ws.append([f"({j})" for j in range(1, 11)])
        for i, row in enumerate(df.iter_rows(named=True), start=1):
            value_million = round(int(row["Trị giá hàng vi phạm (đồng)"].replace(".", "")) / 1e6, 3)
            ws.append(
                [
                    i,
                    row["Mã vụ việc"],
                    row["Ngày phát hiện"],
                    row["Tỉnh/TP"],
                    row["Tuyến"],
                    row["Loại vi phạm"],
                    row["Mặt hàng"],
                    value_million,
                    row["Hình thức xử lý"],
                    row["Cửa khẩu"],
                ]
            )
        # planted problems, one of each kind the loader must catch
        ws.append([None] * 10)
        ws.append(
            [
                i + 1,
                f"SYN21{month:02d}-BAD1",
                "31/02/2021",
                "Lạng Sơn",
                "Đường bộ",
                "Buôn lậu",
                "Pháo nổ",
                12,
                "Khởi tố",
                None,
            ]
        )
        ws.append(
            [
                i + 2,
                f"SYN21{month:02d}-BAD2",
                f"15/{month:02d}/2021",
                "Tỉnh Atlantis",
                "Đường biển",
                "Buôn lậu",
                "Gỗ",
                3,
                None,
                None,
            ]
        )
        ws.append(
            [
                i + 3,
                f"SYN21{month:02d}-TCVN3",
                f"16/{month:02d}/2021",
                "L¹ng S¬n",
                "§\u00adêng bé",
                "Bu«n lËu",
                "Thuèc l¸ ®iÕu",
                "2 tỷ 300 triệu",
                None,
                "H÷u NghÞ",
            ]
        )
        ws.append(["Tổng cộng", None, None, None, None, None, None, float(df.height), None, None])
        path = folder / f"SYNTHETIC_bao_cao_2021-{month:02d}.xlsx"
        wb.save(path)
        written.append(path)
    csv_df = raw_cases(150, seed=seed + 10, start=dt.date(2021, 4, 1), end=dt.date(2021, 4, 30), id_prefix="SYN2104")
    # the same case sent again in April: a duplicate the loader must resolve
    dup = raw_cases(120, seed=seed, start=dt.date(2021, 1, 1), end=dt.date(2021, 1, 31), id_prefix="SYN2101").head(1)
    csv_df = pl.concat([csv_df, dup])
    path = folder / "SYNTHETIC_trich_xuat_2021-04.csv"
    csv_df.write_csv(path, separator=";")
    written.append(path)
    return written
