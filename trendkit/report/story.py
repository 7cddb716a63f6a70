"""The report's plain-language story: what a leader reads in two minutes, Vietnamese first.

Each function turns one result object into sentences, a ``{"vi": …, "en": …}`` pair each,
that claim only what the result supports at one confidence level (95%): a fall or a rise is
"clear" only when its 95% interval excludes zero, displacement and diffusion only when the
measures' own claim says so, and every campaign sentence says when it has no comparison
group. The technical names (WDQ, WDD, BH, q) stay in the report's details section.

>>> s = _sentence("Số vụ giảm", "Cases fell")
>>> s["vi"], s["en"]
('Số vụ giảm', 'Cases fell')
"""

from __future__ import annotations

from typing import Any

import polars as pl

from trendkit.summary import change_phrase, fmt_num
from trendkit.words import label

Sentence = dict[str, str]


def _sentence(vi: str, en: str, kind: str = "info") -> Sentence:
    return {"vi": vi, "en": en, "kind": kind}


def _unit_vi(unit: str) -> str:
    """'Lào Cai · road' → 'Lào Cai (đường bộ)'."""
    province, _, channel = unit.partition(" · ")
    if not channel:
        return province
    return f"{province} ({label(channel).vi})"


def campaign_headline(effect: Any, after: int) -> Sentence:
    """The campaign's change in the targets against the model's expectation without it."""
    pct = effect.change_pct
    vi, en = change_phrase(pct.estimate, pct.low, pct.high)
    who, when = effect.label.replace(" + ", " và "), f"{effect.start:%m/%Y}"
    who_en = effect.label.replace(" + ", " and ")
    return _sentence(
        f"Số vụ ở {who} {vi} so với mức dự kiến nếu không có chiến dịch, trong {after} tháng từ {when}. "
        "Chưa so sánh với các tỉnh khác: một biến động chung cả nước cũng sẽ hiện ra như vậy.",
        f"Cases in {who_en}: {en} against what the model expects without the campaign, over {after} months from "
        f"{when}. This has no comparison group: a change across the whole country would show the same way.",
        "campaign",
    )


def comparison_headline(effect: Any) -> Sentence:
    """The campaign's change in the targets relative to comparison provinces (difference in differences)."""
    vi, en = effect.headline()
    return _sentence(vi, en, "campaign")


def verdict(study: Any) -> list[Sentence]:
    """The displacement study's one verdict (:class:`~trendkit.models.study.DisplacementStudy`), with
    the measures' reason: every other sentence about where activity went agrees with it."""
    v, why = study.verdict, study.reason
    who_vi, who_en = _buffer_words(study.measures)
    return [_sentence(f"Kết luận: {v.vi}. Vùng đệm — {who_vi}: {why.vi}",
                      f"Verdict: {v.en}. Buffer — {who_en}: {why.en}", "verdict")]  # fmt: skip


def where_it_went(scan: Any, mde: Any | None, *, verdict: str = "displacement") -> list[Sentence]:
    """Units that rose clearly above their own expectation, with the size and its range — a sign of
    displacement only when the study's ``verdict`` is displacement; or, when none did, how large a
    displacement would have had to be to be seen."""
    if scan is None:  # no scan, nothing to say about where activity went
        return []
    rises = scan.rising().head(5)
    if rises.height:
        parts_vi = [f"{_unit_vi(r['unit'])}: thêm khoảng {fmt_num(r['excess'], 0)} vụ (có thể từ "
                    f"{fmt_num(max(r['excess_low'], 0), 0)} đến {fmt_num(r['excess_high'], 0)})"
                    for r in rises.iter_rows(named=True)]  # fmt: skip
        parts_en = [f"{r['unit']}: about {fmt_num(r['excess'], 0)} more cases (plausibly "
                    f"{fmt_num(max(r['excess_low'], 0), 0)} to {fmt_num(r['excess_high'], 0)})"
                    for r in rises.iter_rows(named=True)]  # fmt: skip
        why_vi, why_en = (
            ("Đây là dấu hiệu dịch chuyển, chưa phải bằng chứng về nguyên nhân.",
             "A sign of displacement, not proof of its cause.")
            if verdict == "displacement"
            else ("Chưa coi là dịch chuyển: so sánh với nhóm đối chứng chưa ủng hộ điều đó.",
                  "Not read as displacement: the comparison with the control does not support it.")
        )  # fmt: skip
        when_vi, when_en = _window_words(scan)  # every count says its period
        return [
            _sentence(
                f"{when_vi}, hoạt động tăng rõ hơn dự kiến ở: " + "; ".join(parts_vi) + ". " + why_vi,
                f"{when_en}, activity rose clearly above expectation in: " + "; ".join(parts_en) + ". " + why_en,
                "moved",
            )
        ]
    out = [_sentence("Chưa thấy nơi nào tăng rõ hơn dự kiến.", "No unit rose clearly above its expectation.", "moved")]
    if mde is not None and mde.to_frame().height:
        d = mde.to_frame()["displaced"].median()
        when_vi, when_en = _window_words(scan)
        out.append(
            _sentence(
                f"Tuy vậy, dịch chuyển dưới khoảng {fmt_num(d, 0)} vụ vào một đơn vị ({when_vi.lower()}; trung vị) "
                "có thể đã bị bỏ sót: “không thấy” chưa có nghĩa là “không có”.",
                f"But a displacement of fewer than about {fmt_num(d, 0)} cases into one unit ({when_en.lower()}; "
                "median) would likely be missed: 'not seen' does not mean 'did not happen'.",
                "moved",
            )
        )
    return out


def _window_words(scan: Any) -> tuple[str, str]:
    """The scan's window in words: "Trong 12 tháng từ tháng 7/2023" / "In the 12 months from 07/2023"."""
    return (
        f"Trong {scan.after} tháng từ tháng {scan.start.month}/{scan.start.year}",
        f"In the {scan.after} months from {scan.start:%m/%Y}",
    )


def national_shock(shock: Any | None, *, compared: bool = True) -> Sentence | None:
    """The common-shock warning (:class:`~trendkit.models.shock.CommonShock`), first on the page
    when the whole country moved at the same time as the campaign."""
    said = None if shock is None else shock.warning(compared=compared)
    return None if said is None else _sentence(*said, "shock")


def placebo(placebos: Any | None, *, clear: bool | None = None) -> list[Sentence]:
    """Where the real effect ranks among fake start dates and fake target provinces, and what that
    means for the headline (``clear``: whether the headline's interval excludes 0)."""
    if placebos is None:
        return []
    parts_vi, parts_en = [], []
    for kind, vi, en in (("time", "ngày bắt đầu giả", "fake start dates"),
                         ("space", "tỉnh giả làm mục tiêu", "provinces treated as if targeted")):  # fmt: skip
        n = placebos.count(kind)
        if n:
            r = placebos.rank(kind)
            parts_vi.append(f"đứng thứ {r} trong {n + 1} khi so với {n} {vi}")
            parts_en.append(f"ranks {r} of {n + 1} against {n} {en}")
    if not parts_vi:
        return []
    first = all(placebos.rank(k) == 1 for k in ("time", "space") if placebos.count(k))
    meaning_vi, meaning_en = _placebo_meaning(first, clear)
    return [
        _sentence(
            f"Kiểm tra giả định: mức thay đổi thật {'; '.join(parts_vi)} (1 = lớn nhất) — {meaning_vi}.",
            f"Placebo checks: the real change {'; '.join(parts_en)} (1 = largest) — {meaning_en}.",
            "placebo",
        )
    ]


def _placebo_meaning(first: bool, clear: bool | None) -> tuple[str, str]:
    """What the placebo ranks mean for the headline (``clear``: whether the headline found a clear
    change; None when there was none to check), said once, so the two never seem to disagree."""
    if clear is False:
        return ("phù hợp với kết luận ở trên: chưa thấy thay đổi rõ",
                "consistent with the headline: no clear change")  # fmt: skip
    if first:
        return ("lớn hơn mọi kết quả giả, nên củng cố kết luận ở trên",
                "larger than every placebo, which supports the headline")  # fmt: skip
    return (
        "có kết quả giả lớn tương đương, nên một phần mức thay đổi ở trên có thể là dao động thường gặp giữa các "
        "tỉnh: hướng thay đổi đáng tin hơn độ lớn của nó",
        "some placebos are about as large, so part of the change above may be the ordinary variation between "
        "provinces: trust its direction more than its size",
    )


def _buffer_words(measures: Any) -> tuple[str, str]:
    """Who the buffer is, named as what it is: the neighbouring provinces and the receivers, or the
    channels (place kinds, regions …) the analyst or the default chose."""
    reasons = measures.groups.reasons if measures.groups is not None else {}
    if "buffer_neighbours" not in reasons:  # not the province default: name the units as they are
        units = ", ".join(label(u).vi for u in measures.buffer) or "—"
        return f"{units}", f"{', '.join(label(u).en for u in measures.buffer) or '—'}"
    near, rose = reasons["buffer_neighbours"], reasons.get("buffer_receivers", [])
    who_vi = f"các tỉnh giáp ranh ({', '.join(near) or '—'})" + (f" và nơi nhận ({', '.join(rose)})" if rose else "")
    who_en = f"the neighbouring provinces ({', '.join(near) or '—'})" + (
        f" and the receivers ({', '.join(rose)})" if rose else ""
    )
    return who_vi, who_en


def channel_picture(shift: Any) -> Sentence:
    """Road → sea / air / post: which channel shares changed clearly."""
    clear = shift.to_frame().filter((pl.col("ci_low") > 0) | (pl.col("ci_high") < 0)).sort("change")
    if not clear.height:
        return _sentence(
            "Tỷ trọng các phương thức (đường bộ, biển, hàng không, bưu chính…) chưa thay đổi rõ từ "
            f"{shift.start:%m/%Y}.",
            f"The mix of channels (road, sea, air, post…) did not change clearly from {shift.start:%m/%Y}.",
            "channels",
        )
    vi, en = [], []
    for r in clear.iter_rows(named=True):
        name_vi, name_en = label(r["channel"]).capitalised().vi, label(r["channel"]).en
        move_vi = "tăng" if r["change"] > 0 else "giảm"
        span = f"{fmt_num(100 * r['share_before'], 0)}% → {fmt_num(100 * r['share_after'], 0)}%"
        vi.append(f"{name_vi} {move_vi} ({span})")
        en.append(f"{name_en} {'up' if r['change'] > 0 else 'down'} ({span})")
    return _sentence(
        f"Tỷ trọng phương thức từ {shift.start:%m/%Y}: " + "; ".join(vi) + " — thay đổi rõ ở mức tin cậy 95%.",
        f"Channel shares from {shift.start:%m/%Y}: " + "; ".join(en) + " — clear at 95% confidence.",
        "channels",
    )
