"""The layout's promises: a light import, old import paths kept, lower rooms never import higher ones."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import trendkit as tk

PACKAGE = Path(tk.__file__).resolve().parent

HEAVY = ("statsmodels", "folium", "geopandas", "matplotlib")


def test_import_trendkit_is_light():
    code = f"import sys, trendkit; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == ""


OLD_PATHS = [
    ("trendkit.trends", "campaign_effect", "trendkit.models.campaign"),
    ("trendkit.trends", "series", "trendkit.models.trend"),
    ("trendkit.trends", "change_points", "trendkit.models.breaks"),
    ("trendkit.trends", "forecast", "trendkit.models.forecast"),
    ("trendkit.displacement", "displacement_scan", "trendkit.models.scan"),
    ("trendkit.displacement", "wdd", "trendkit.models.measures"),
    ("trendkit.displacement", "channel_shift", "trendkit.models.channels"),
    ("trendkit.loader", "load_cases", "trendkit.ingest.loader"),
    ("trendkit.shapes", "neighbours", "trendkit.geo.shapes"),
    ("trendkit.gazetteer", "resolve_place", "trendkit.geo.gazetteer"),
    ("trendkit.synth", "write_sample", "trendkit.synthetic.generate"),
    ("trendkit.scenario", "Campaign", "trendkit.synthetic.scenario"),
    ("trendkit.measures", "e_test", "trendkit.models.measures"),
    ("trendkit.vocab", "CHANNELS", "trendkit.ingest.vocab"),
]


@pytest.mark.parametrize(("old", "name", "new"), OLD_PATHS)
def test_old_import_paths_warn_once_and_still_resolve(old, name, new):
    """Each old path, imported in a fresh interpreter both ways, warns once and gives the new object."""
    short = old.rpartition(".")[2]
    code = f"""
import warnings
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as dotted:
    from {old} import {name} as a
with warnings.catch_warnings(record=True) as again:
    from {old} import {name} as b
from {new} import {name} as c
assert a is b is c
assert len(dotted) == 1 and dotted[0].category is DeprecationWarning, dotted
assert "{old}" in str(dotted[0].message) and "removed in trendkit" in str(dotted[0].message)
assert not again, again
"""
    subprocess.run([sys.executable, "-c", code], check=True)
    attr = f"""
import warnings
import trendkit as tk
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    module = tk.{short}
assert getattr(module, "{name}") is getattr(__import__("{new}", fromlist=["x"]), "{name}")
assert [w.category for w in caught] == [DeprecationWarning], caught
"""
    subprocess.run([sys.executable, "-c", attr], check=True)


def test_old_names_are_not_public_and_the_package_lists_only_its_api():
    assert not set(tk.__all__) & {"trends", "displacement", "loader", "synth"}
    assert dir(tk) == sorted(tk.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        tk.nonsense  # noqa: B018


def test_the_places_function_is_never_hidden_by_its_old_module():
    with pytest.raises(ImportError, match=r"places\(\) function.*trendkit\.geo\.provinces"):
        import trendkit.places  # noqa: F401  (the old module path)
    assert callable(tk.places) and tk.places("airport").height > 0


def test_the_report_package_re_exports_run_report():
    from trendkit.report import run_report
    from trendkit.report.build import run_report as built

    assert run_report is built


#: A room may import rooms of a lower rank only (the shared base is rank 0).
RANK = {
    "base": 0, "geo": 1, "ingest": 2, "synthetic": 3, "panel": 3, "models": 4, "maps": 5, "explore": 6, "report": 6,
    "cli": 7,
}  # fmt: skip
BASE = {
    "text", "months", "tet", "errors", "summary", "result", "words", "export", "plots", "threads", "published", "data",
    "palette", "_deprecated",  # _deprecated imports no trendkit module: it finds the new paths when asked
}  # fmt: skip


def _room(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "trendkit" or len(parts) == 1:
        return None
    head = parts[1]
    if head in BASE:
        return "base"
    return head if head in RANK else None  # the package itself sits on top


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return found


def test_lower_rooms_never_import_higher_ones():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(("trendkit", *path.relative_to(PACKAGE).with_suffix("").parts))
        room = _room(module)
        if room is None:
            continue
        for imported in _imports(path):
            other = _room(imported)
            if other is not None and RANK[other] > RANK[room]:
                wrong.append(f"{module} imports {imported}")
    assert not wrong, wrong


#: Inside maps/: palettes and classes, then elements, then offline export, then the maps and figures.
MAPS_RANK = {"style": 0, "elements": 1, "offline": 2, "static": 3, "interactive": 3}


def test_maps_modules_import_only_the_ones_below_them():
    wrong = []
    for path in (PACKAGE / "maps").glob("*.py"):
        if path.stem not in MAPS_RANK:
            continue
        for imported in _imports(path):
            parts = imported.split(".")
            if parts[:2] == ["trendkit", "maps"] and len(parts) > 2 and parts[2] in MAPS_RANK:
                if MAPS_RANK[parts[2]] >= MAPS_RANK[path.stem] and parts[2] != path.stem:
                    wrong.append(f"maps.{path.stem} imports {imported}")
    assert not wrong, wrong
    assert set(MAPS_RANK) == {p.stem for p in (PACKAGE / "maps").glob("*.py")} - {"__init__"}


def test_maps_leave_the_callers_warning_filters_alone():
    """Importing trendkit.maps changes no filter; drawing a map (after the libraries it loads have set
    theirs up) changes none either: trendkit's own filters are local to the call."""
    code = (
        "import warnings, numpy, polars as pl; before = list(warnings.filters); import trendkit.maps as m; "
        "assert warnings.filters == before, 'import'; "
        "import folium, geopandas, mapclassify, matplotlib.figure, pyogrio, shapely; ready = list(warnings.filters); "
        "v = pl.DataFrame({'province': ['Huế'], 'value': [1.0]}); m.choropleth(v); m.static_figure(v); "
        "assert warnings.filters == ready, [f for f in warnings.filters if f not in ready]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_no_module_imports_another_modules_private_names():
    """Shared internals have names public inside their package (models.fitting, maps.style …): a
    leading underscore means "this module only"."""
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("trendkit"):
                wrong += [f"{path.relative_to(PACKAGE)}: {node.module}.{a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")]  # fmt: skip
    assert not wrong, wrong


def test_the_layering_check_can_fail(tmp_path):
    bad = tmp_path / "m.py"
    bad.write_text("from trendkit.models import wdd\n")
    assert "trendkit.models" in _imports(bad) and RANK[_room("trendkit.models")] > RANK[_room("trendkit.geo.shapes")]


def test_report_template_shows_data_text_as_written():
    from trendkit.report import render_index

    evil = "T{{7*7}}{% if 1 %}x{% endif %}<script>alert(1)</script>"
    summary = {
        "synthetic": True, "months": ["2024-01", "2024-12"], "generated_at": "2024-12-31T00:00:00+00:00",
        "rows": {"in_report": 12, "rejected": 0, "held_back": 0}, "alerts": [], "maps": [evil], "shifts": [],
        "limits": [evil], "held_back_months": [evil], "completeness": [{"period": evil, "reported": 1, "expected": 1,
        "missing": evil}],
        "skipped_files": [{"file": evil, "reason": evil}],
        "sources": [{"source_file": evil, "source_sheet": evil, "rows_read": 1, "accepted": 1, "rejected": 0,
                     "skipped": 0, "note": evil}],
        "campaigns": [{"name": evil, "targets": [evil], "start": "2024-06", "starts": {evil: "2024-06"},
                       "text": [evil], "wdq": None,
                       "wdd_total": [1.0, 0.0, 2.0], "story": [{"vi": evil, "en": evil, "kind": evil}],
                       "groups": {"target": [evil], "buffer": [evil], "control": [evil], "reasons": {evil: [evil]}},
                       "placebo": {"rank_time": 1, "of_time": 7, "rank_space": 1, "of_space": 9},
                       "synthetic_control": {"change_pct": -0.4, "rank": 1, "of": 9, "p_value": 0.11,
                                             "pre_rmspe": 0.1, "weights": {evil: 1.0}},
                       "shock": {"months": evil, "median_change": -0.5, "share_moved": 0.9},
                       "receivers": [{"unit": evil, "excess": 1.0, "excess_interval": [0.0, 2.0], "q_value": 0.01}],
                       "minimum_detectable": None,
                       "comparison": {"change_pct": [0.1, 0.0, 0.2], "provinces": [evil], "left_out": {evil: [evil]},
                                      "pretrend_p": None}}],
        "figures": [{"png": evil, "html": evil, "caption": evil}],
    }  # fmt: skip
    page = render_index(summary)
    assert "T49" not in page and "<script>alert(1)" not in page
    assert page.count("<script>") == 1 and "beforeprint" in page  # the page's own print helper, nothing else
    assert "T{{7*7}}{% if 1 %}x{% endif %}&lt;script&gt;" in page
    assert 'class="T{{7*7}}{% if 1 %}x{% endif %}&lt;script&gt;' in page  # in attributes too
