"""Benchmark: the four displacement questions, each one :func:`displacement_study` call, on SYNTHETIC panels.

Per question, over ``--reps`` seeds of trendkit's generator (negative-binomial counts, a Tết peak,
a national trend): how often the verdict is right where a shift was planted, how often the WDD
displacement interval covers the planted count, and how often "displacement" is said where
nothing was displaced (a real campaign, nothing moved). The tests (tests/test_study.py) check the
same on 20 seeds; this is the measurement the issue's 7% bound is read against.

    python benchmarks/study_questions.py --reps 200
"""

from __future__ import annotations

import argparse
import time

from trendkit.models import displacement_study
from trendkit.synthetic import Campaign, draw_panel, patterns

T, START = list(patterns.TARGETS), patterns.START
CUT = patterns.base().replace(campaigns=(Campaign("SYNTHETIC cut", tuple(T), START, 0.4),))

#: question → (planted panel, null panel, the call, the truth's column and "within")
QUESTIONS = {
    "1 Quảng Ninh + Lạng Sơn → Lào Cai": (
        lambda s: draw_panel(patterns.lao_cai(), s), lambda s: draw_panel(CUT, s),
        lambda p: displacement_study(p, T, START), ("province", None)),
    "2 road → sea, air, post": (
        lambda s: draw_panel(patterns.four_channels(), s), lambda s: draw_panel(patterns.four_channels(share=0.0), s),
        lambda p: displacement_study(p, ["road"], START, by="channel", within=T), ("channel", T)),
    "3 North + South → Centre": (
        lambda s: draw_panel(patterns.north_south(), s),
        lambda s: draw_panel(patterns.base().replace(campaigns=(Campaign(
            "SYNTHETIC North + South", patterns.north_south().campaigns[0].targets, START, 0.3),)), s),
        lambda p: displacement_study(p, ["Bắc", "Nam"], START), ("province", None)),
    "4 trails → official gates": (
        lambda s: patterns.place_kinds(s, 0.5), lambda s: patterns.place_kinds(s, 0.0),
        lambda p: displacement_study(p, ["informal_crossing"], START, by="place_kind"), ("place_kind", None)),
}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=100)
    args = ap.parse_args()
    for name, (planted, null, study, (column, within)) in QUESTIONS.items():
        t = time.perf_counter()
        right = covered = wrong = 0
        for seed in range(args.reps):
            p = planted(seed)
            s = study(p)
            right += s.verdict.key == "displacement"
            e = s.measures.wdd.displacement
            truth = patterns.planted_effect(p, s.measures.buffer, column=column, within=within)
            covered += e.ci_low <= truth <= e.ci_high
            wrong += study(null(seed)).verdict.key == "displacement"
        n = args.reps
        print(f"{name}: verdict right {right / n:.1%}, WDD displacement covers {covered / n:.1%}, "
              f"null 'displacement' {wrong / n:.1%} ({n} seeds, {time.perf_counter() - t:.0f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
