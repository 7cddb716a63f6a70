"""Maps that work offline: Leaflet and jQuery inlined from the XStatic packages, stable element ids,
one HTML file; and the notebook view, which carries the same inline assets."""

from __future__ import annotations

import base64
import functools
import html
import re
from pathlib import Path
from typing import Any


class ExportError(RuntimeError):
    """A map cannot be written as asked (e.g. an asset that cannot be inlined offline)."""


def trim_assets(m: Any) -> None:
    """Keep only the assets trendkit maps use (Leaflet, jQuery); drop Bootstrap and Font Awesome."""
    m.default_js = [(n, u) for n, u in m.default_js if n in ("leaflet", "jquery")]
    m.default_css = [(n, u) for n, u in m.default_css if n == "leaflet_css"]


def _local_assets() -> dict[str, str]:
    """Asset file name -> inline text, from the installed XStatic packages."""
    import xstatic.pkg.jquery as xjquery
    import xstatic.pkg.leaflet as xleaflet

    leaflet = Path(xleaflet.BASE_DIR)
    css = (leaflet / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match[str]) -> str:
        data = base64.b64encode((leaflet / "images" / match.group(1)).read_bytes()).decode()
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", data_uri, css)
    return {
        "leaflet.js": (leaflet / "leaflet.js").read_text(encoding="utf-8"),
        "leaflet.css": css,
        "jquery-3.7.1.min.js": (Path(xjquery.BASE_DIR) / "jquery.min.js").read_text(encoding="utf-8"),
    }


_RANDOM_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")


def _stable_ids(text: str) -> str:
    """folium names elements with random uuids; number them in order instead, so the same map
    always gives the same file (scheduled reports compare byte for byte)."""
    seen: dict[str, str] = {}
    return _RANDOM_ID.sub(lambda m: seen.setdefault(m.group(0), f"{len(seen):032d}"), text)


def page_text(m: Any) -> str:
    """The page of ``m`` as folium renders it, with stable ids (:func:`_stable_ids`), ``lang="vi"`` and
    a ``<title>``: the map's own (``m.trendkit_title``, set by trendkit's map functions), else a
    generic one, escaped (a browser tab and a screen reader name the file by it)."""
    title = html.escape(getattr(m, "trendkit_title", None) or "Bản đồ trendkit / trendkit map")
    text = _stable_ids(m.get_root().render())
    text = re.sub(r"<html(?=[ >])", '<html lang="vi"', text, count=1)
    return re.sub(r"<head>", f"<head>\n    <title>{title}</title>", text, count=1)


_SCRIPT = re.compile(r'<script src="(https?://[^"]+)"></script>')


_LINK = re.compile(r'<link rel="stylesheet" href="(https?://[^"]+)"\s*/?>')


def offline_html(m: Any, *, name: str = "map") -> str:
    """The page of ``m`` with every external script and stylesheet replaced by its inlined copy.

    An asset trendkit cannot inline raises :class:`ExportError` naming it, rather than leaving a
    reference to the internet. Element ids are numbered in order, so the same map gives the same text.
    """
    text = page_text(m)
    assets = _local_assets()

    def inline(kind: str) -> Any:
        def repl(match: re.Match[str]) -> str:
            asset = match.group(1).rsplit("/", 1)[-1]
            if asset not in assets:
                raise ExportError(
                    f"{name}: cannot inline {match.group(1)} for offline use; remove the element that "
                    "needs it or save with offline=False"
                )
            body = assets[asset].replace("</script", "<\\/script")
            return f"<script>{body}</script>" if kind == "js" else f"<style>{body}</style>"

        return repl

    return _LINK.sub(inline("css"), _SCRIPT.sub(inline("js"), text))


def save_map(m: Any, path: str | Path, *, offline: bool = True) -> Path:
    """Write ``m`` as one HTML file.

    ``offline=True``: assets inlined by :func:`offline_html` (nothing is written if one cannot be).
    Tiles, if the map has any, are the one thing that needs internet; :func:`choropleth` draws none
    by default.
    """
    path = Path(path)
    text = offline_html(m, name=path.name) if offline else page_text(m)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


@functools.cache
def map_class() -> type:
    """The folium Map class trendkit uses: its notebook view carries Leaflet inline."""
    import folium

    class Map(folium.Map):
        """A folium map whose notebook view carries Leaflet inline, so it shows without internet."""

        def _repr_html_(self, **kwargs: Any) -> str:
            page = html.escape(offline_html(self), quote=True)
            return (
                f'<iframe srcdoc="{page}" title="trendkit map" '
                'style="width:100%;height:560px;border:1px solid #ddd"></iframe>'
            )

    return Map
