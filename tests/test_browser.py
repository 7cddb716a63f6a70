"""Real-browser check: the offline HTML renders in headless Chromium with the network blocked.

Chromium comes from Debian's ``chromium`` package (``.ci/run`` installs it). Without it these
tests skip with a message — unless TRENDKIT_REQUIRE_BROWSER=1 (set by CI), when they fail.
"""

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import polars as pl
import pytest

import trendkit as tk
from trendkit.maps import add_places, choropleth, displacement_map, monthly_map, save_map
from trendkit.models import displacement_scan

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(__file__).resolve().parent.parent / "maps" / "browser"

if CHROMIUM is None:
    if os.environ.get("TRENDKIT_REQUIRE_BROWSER") == "1":
        pytest.fail("TRENDKIT_REQUIRE_BROWSER=1 but no chromium on PATH (apt-get install -y chromium)", pytrace=False)
    pytestmark = pytest.mark.skip(reason="no chromium on PATH: install Debian's chromium to run the browser tests")

CASES = tk.load_cases("data/sample").cases


def _chromium(*args: str) -> subprocess.CompletedProcess:
    # --proxy-server to a closed port: any attempt to reach the network fails
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--proxy-server=127.0.0.1:9", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000"]  # fmt: skip
    return subprocess.run([*base, *args], capture_output=True, text=True, timeout=120)


def _console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "CONSOLE" in line and ("rror" in line or "Uncaught" in line)]


def _check(path: Path, expected_paths: int, name: str) -> float:
    t = time.perf_counter()
    dom = _chromium("--dump-dom", path.as_uri())
    seconds = time.perf_counter() - t
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert len(re.findall(r'class="leaflet-interactive"', dom.stdout)) >= expected_paths
    assert _console_errors(dom.stderr) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = _chromium("--screenshot=" + str(SHOTS / f"{name}.png"), "--window-size=900,1100", path.as_uri())
    assert shot.returncode == 0 and (SHOTS / f"{name}.png").stat().st_size > 10_000
    return seconds


@pytest.mark.parametrize(("layout", "n"), [("2025", 34), ("legacy", 63)])
def test_choropleth_renders_offline(tmp_path, layout, n):
    by = "province" if layout == "2025" else "province_legacy"
    values = (
        tk.panel(CASES.filter(pl.col(by).is_not_null()), by=(by,))
        .group_by(by)
        .agg(pl.col("cases").sum().cast(pl.Float64).alias("value"))
        .rename({by: "province"})
    )
    m = choropleth(values, layout=layout, title="Số vụ / cases (SYNTHETIC)")
    add_places(m)
    path = save_map(m, tmp_path / f"choropleth_{layout}.html")
    _check(path, n, f"choropleth_{layout}")


def test_displacement_and_monthly_maps_render_offline(tmp_path):
    scan = displacement_scan(tk.panel(CASES), ["Quảng Ninh", "Lạng Sơn"], "2023-07", after=12)
    _check(save_map(displacement_map(scan), tmp_path / "displacement.html"), 34, "displacement")
    _check(save_map(monthly_map(tk.panel(CASES, by=("province",))), tmp_path / "monthly.html"), 34, "monthly")


def test_the_check_catches_errors(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>undefinedFunction();</script></body></html>")
    assert _console_errors(_chromium("--dump-dom", bad.as_uri()).stderr)


# --- layout: nothing overlaps, nothing is cut off (bounding boxes from the DOM) ----------------

_MEASURE = """<script>
window.addEventListener('load', function() { setTimeout(function() {
  var out = [], sel = '.trendkit-box, .leaflet-control-layers, .leaflet-control-scale, .leaflet-control-zoom, '
    + '.trendkit-archipelago, .trendkit-dock';
  document.querySelectorAll(sel).forEach(function(el) {
    var r = el.getBoundingClientRect();
    out.push({cls: el.className, text: (el.textContent || '').slice(0, 40), x0: r.left, y0: r.top, x1: r.right,
              y1: r.bottom, scroll: el.scrollHeight > el.clientHeight + 1});
  });
  var shapes = [];
  document.querySelectorAll('path.leaflet-interactive').forEach(function(el) {
    var r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) shapes.push([r.left, r.top, r.right, r.bottom]);
  });
  parent.postMessage(JSON.stringify({w: window.innerWidth, h: window.innerHeight, boxes: out, shapes: shapes}), '*');
}, 300); });
</script>"""

# headless Chromium will not make a window narrower than 500 px: the map goes in an iframe of the
# exact size (a phone's 390 × 844 viewport, media queries included) and reports its boxes back
_HOST = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="{src}" width="{w}" height="{h}" style="border:0;display:block"></iframe>
<script>addEventListener('message', function(e) {{
  var pre = document.createElement('pre'); pre.id = 'trendkit-boxes'; pre.textContent = e.data;
  document.body.appendChild(pre); }});</script></body></html>"""


def _boxes(path: Path, width: int, height: int) -> dict:
    import html
    import json

    probe = path.with_name(path.stem + "_probe.html")
    probe.write_text(path.read_text(encoding="utf-8").replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    host = path.with_name(path.stem + f"_host_{width}.html")
    host.write_text(_HOST.format(src=probe.name, w=width, h=height), encoding="utf-8")
    dom = _chromium("--window-size=1400,1100", "--dump-dom", host.as_uri())
    assert dom.returncode == 0 and _console_errors(dom.stderr) == [], dom.stderr[-2000:]
    found = re.search(r'<pre id="trendkit-boxes">(.*?)</pre>', dom.stdout, re.S)
    assert found, "the measuring script did not run"
    page = json.loads(html.unescape(found.group(1)))
    assert (page["w"], page["h"]) == (width, height)
    return page


def _overlap(a: dict, b: dict) -> bool:
    return min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > 0.5 and min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > 0.5


def _layout_problems(page: dict) -> list[str]:
    w, h = page["w"], page["h"]
    boxes = [b for b in page["boxes"] if "trendkit-dock" not in b["cls"]]
    problems = [f"empty box: {b['cls']} {b['text']!r}" for b in boxes if b["x1"] - b["x0"] < 1 or b["y1"] - b["y0"] < 1]
    problems += [f"cut off: {b['cls']} {b['text']!r} {b}" for b in boxes
                 if b["x0"] < -0.5 or b["y0"] < -0.5 or b["x1"] > w + 0.5 or b["y1"] > h + 0.5]  # fmt: skip
    problems += [f"scrolls (content hidden): {b['cls']}" for b in page["boxes"] if b.get("scroll")]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if _overlap(a, b):
                problems.append(f"overlap: {a['cls']} {a['text']!r} and {b['cls']} {b['text']!r}")
    return problems


def _layout_maps(tmp_path: Path) -> list[Path]:
    values = (
        tk.panel(CASES, by=("province",))
        .group_by("province")
        .agg(pl.col("cases").sum().cast(pl.Float64).alias("value"))
    )
    counts = CASES.filter(pl.col("place_id").is_not_null()).group_by("place_id").len("cases")
    m = choropleth(values, title="Số vụ 12 tháng gần nhất / cases, last 12 months — DỮ LIỆU MÔ PHỎNG / SYNTHETIC",
                   period="01/2025–12/2025", labels=True)  # fmt: skip
    add_places(m, counts)
    scan = displacement_scan(tk.panel(CASES), ["Quảng Ninh", "Lạng Sơn"], "2023-07", after=12)
    return [
        save_map(m, tmp_path / "cases.html"),
        save_map(displacement_map(scan, title="QN-LS — SYNTHETIC"), tmp_path / "displacement.html"),
        save_map(monthly_map(tk.panel(CASES, by=("province",))), tmp_path / "monthly.html"),
    ]


def _covered(page: dict) -> dict[str, float]:
    """Each control's share of the shapes' area it covers (each shape taken as its bounding box)."""
    shapes = page["shapes"]
    total = sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in shapes)
    out = {}
    for b in page["boxes"]:
        if "trendkit-dock" in b["cls"] or "trendkit-archipelago" in b["cls"]:
            continue  # the docks are empty frames; archipelago names are labels, not controls
        hidden = sum(max(0, min(x1, b["x1"]) - max(x0, b["x0"])) * max(0, min(y1, b["y1"]) - max(y0, b["y0"]))
                     for x0, y0, x1, y1 in shapes)  # fmt: skip
        out[f"{b['cls']} {b['text']!r}"] = hidden / total
    return out


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1366, 768), (390, 844)])
def test_legends_titles_and_controls_do_not_overlap_or_get_cut_off(tmp_path, width, height):
    for path in _layout_maps(tmp_path):
        page = _boxes(path, width, height)
        kinds = " ".join(b["cls"] for b in page["boxes"])
        assert "trendkit-title" in kinds and "trendkit-legend" in kinds and "leaflet-control-scale" in kinds
        assert kinds.count("trendkit-archipelago") == 2
        assert _layout_problems(page) == [], path.name
        # no control hides more than 5% of the provinces (on a phone the legends start folded)
        assert {k: round(v, 3) for k, v in _covered(page).items() if v > 0.05} == {}, path.name
        # the whole country, archipelagos included, is in the opening view
        shapes = page["shapes"]
        assert min(s[0] for s in shapes) >= 0 and min(s[1] for s in shapes) >= 0, path.name
        assert max(s[2] for s in shapes) <= width and max(s[3] for s in shapes) <= height, path.name


def test_the_layout_check_catches_an_overlap():
    a = {"cls": "a", "text": "", "x0": 0, "y0": 0, "x1": 100, "y1": 100}
    b = {"cls": "b", "text": "", "x0": 50, "y0": 50, "x1": 150, "y1": 150}
    c = {"cls": "c", "text": "", "x0": 380, "y0": 0, "x1": 420, "y1": 10}
    assert len(_layout_problems({"w": 400, "h": 400, "boxes": [a, b, c]})) == 2  # a/b overlap, c cut off


def test_the_report_page_reads_in_vietnamese_and_has_no_console_errors(tmp_path):
    import sys

    out = tmp_path / "report"
    run = subprocess.run(
        [sys.executable, "-m", "trendkit.cli", "report", "--cases", "data/sample", "--out", str(out),
         "--campaign", "QN-LS:Quảng Ninh+Lạng Sơn:2023-07:2024-06", "--now", "2026-01-05T08:00:00"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    index = (out / "index.html").resolve()
    dom = _chromium("--dump-dom", index.as_uri())
    assert dom.returncode == 0 and _console_errors(dom.stderr) == [], dom.stderr[-2000:]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom.stdout))
    for sentence in (
        "Số vụ ở Quảng Ninh và Lạng Sơn giảm khoảng",  # the headline, with its range
        "so với các tỉnh khác",  # against comparison provinces: a national shock cancels
        "So với các tỉnh đối chứng",  # the comparison and who is in it, in the details
        "Trong 12 tháng từ tháng 7/2023, hoạt động tăng rõ hơn dự kiến ở: Lào Cai (đường bộ)",  # where, and when
        "Vùng đệm — các tỉnh giáp ranh",  # displacement or diffusion in the neighbours (and receivers)
        "Tỷ trọng",  # the channel picture
        "khoảng tin cậy 95%",  # one confidence level
        "DỮ LIỆU MÔ PHỎNG",  # the sample is synthetic, from the loader's provenance
    ):
        assert sentence in text, sentence
    assert re.search(r"có thể từ \d+% đến \d+%", text)
    # both static maps embedded and loaded (natural size known), each linking to its interactive map
    sizes = _chromium("--dump-dom", _with_image_probe(index).as_uri())
    loaded = re.search(r'<pre id="images">(.*?)</pre>', sizes.stdout, re.S)
    assert loaded and loaded.group(1).split(",")[:2] == ["map_cases.png:ok", "map_displacement_qn_ls.png:ok"]
    assert 'href="map_cases.html"' in dom.stdout and 'href="map_displacement_qn_ls.html"' in dom.stdout
    # a clean A4 print
    pdf = _chromium("--no-pdf-header-footer", f"--print-to-pdf={tmp_path / 'report.pdf'}", index.as_uri())
    raw = (tmp_path / "report.pdf").read_bytes()
    assert pdf.returncode == 0 and raw[:5] == b"%PDF-"
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", raw)
    assert box and abs(float(box.group(1)) - 595) < 2 and abs(float(box.group(2)) - 842) < 2  # A4 from @page
    _check_print(tmp_path / "report.pdf", index.read_text(encoding="utf-8"))
    for width, height in ((390, 844), (1366, 768), (1280, 900)):  # nothing wider than the screen: tables scroll
        assert _page_width(index, width, height) <= width, width


_WIDTH = """<script>addEventListener('load', function() {
  parent.postMessage(String(document.documentElement.scrollWidth), '*'); });</script>"""


def _page_width(index: Path, width: int, height: int) -> int:
    """The report page's scroll width in an iframe of ``width`` × ``height`` (a phone's viewport)."""
    probe = index.with_name("width_probe.html")
    probe.write_text(index.read_text(encoding="utf-8").replace("</body>", _WIDTH + "</body>"), encoding="utf-8")
    host = index.with_name(f"width_host_{width}.html")
    host.write_text(_HOST.format(src=probe.name, w=width, h=height), encoding="utf-8")
    dom = _chromium("--window-size=1400,1100", "--dump-dom", host.as_uri())
    found = re.search(r'<pre id="trendkit-boxes">(\d+)</pre>', dom.stdout)
    assert found, dom.stderr[-1000:]
    return int(found.group(1))


def _check_print(pdf: Path, page: str) -> None:
    """Printed: every page says SYNTHETIC and its number ("Trang / page 3 / 7"), and no page ends on a
    heading whose content went to the next page (a heading before a figure may end the text of its
    page only when the page also holds the figure). pypdf splits Vietnamese letters with spaces, so
    texts are compared without white space."""
    import pypdf

    def bare(text: str) -> str:
        return re.sub(r"\s+", "", text)

    headings = {bare(re.sub(r"<[^>]+>", "", h)): kind for kind, h in re.findall(r"<(h2|h3)>(.*?)</\1>", page)}
    pages = pypdf.PdfReader(pdf).pages
    assert len(pages) >= 3
    for k, p in enumerate(pages, start=1):
        lines = [bare(line) for line in p.extract_text().splitlines() if line.strip()]
        text = "".join(lines)
        assert "SYNTHETICDATA" in text and f"Trang/page{k}/{len(pages)}" in text, k
        ending = "".join(lines[-2:])  # a heading is two lines: Vietnamese, then English
        ends_on_heading = any(ending.endswith(h) for h in headings)
        assert not ends_on_heading or len(p.images) > 0, f"page {k} ends on a heading: {lines[-2:]}"


def _with_image_probe(index: Path) -> Path:
    probe = index.with_name("index_probe.html")
    script = (
        "<script>window.addEventListener('load', function() { var out = [];"
        " document.querySelectorAll('img').forEach(function(i) {"
        "  out.push(i.getAttribute('src') + ':' + (i.naturalWidth > 100 ? 'ok' : 'missing')); });"
        " var pre = document.createElement('pre'); pre.id = 'images'; pre.textContent = out.join(',');"
        " document.body.appendChild(pre); });</script>"
    )
    probe.write_text(index.read_text(encoding="utf-8").replace("</body>", script + "</body>"), encoding="utf-8")
    return probe
