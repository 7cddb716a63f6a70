"""Folium elements trendkit adds to a map: title and legend boxes in docks that never overlap, and
elements whose values are shown, never run as template code."""

from __future__ import annotations

import html
from typing import Any


def escape(text: str) -> str:
    """Text from data, safe in folium output: HTML-escaped, and ``{`` ``}`` as character references.

    branca compiles the output of every element's macros again as a Jinja template, so ``{{ … }}``
    in a name, title or label would run as template code; as ``&#123;`` it is only shown.

    >>> escape("<b>T{{7*7}}</b>")
    '&lt;b&gt;T&#123;&#123;7*7&#125;&#125;&lt;/b&gt;'
    """
    return html.escape(text).replace("{", "&#123;").replace("}", "&#125;")


def once(template: str, **values: Any) -> Any:
    """A map element from a branca macro template whose output is added to the page as text.

    branca's ``MacroElement`` compiles its rendered macros again as templates; this one does not,
    so values passed here (and shown with ``|e`` or ``|tojson``) can never run as template code.
    """
    from branca.element import Element, MacroElement, Template

    class Text(Element):
        _template = Template("{{ this.text }}")

    class Once(MacroElement):
        _template = Template(template)

        def render(self, **kwargs: Any) -> None:
            figure = self.get_root()
            for part, target in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
                macro = self._template.module.__dict__.get(part)
                if macro is not None:
                    text = Text()
                    text.text = macro(self, kwargs)
                    target.add_child(text, name=f"{self.get_name()}_{part}")

    element = Once()
    for name, value in values.items():
        setattr(element, name, value)
    return element


def legend_box(title: str, rows: list[tuple[str, str]], note: str, *, round_marks: bool = False) -> Any:
    """A legend box in the map's lower-left dock; title, labels and note are values, escaped when
    rendered (see :func:`once`). Every legend of a map shares the dock, so they never overlap. It
    folds behind its title (a tap opens it): on a phone it starts folded, so it covers no province."""
    return once(
        "{% macro html(this, kwargs) %}"
        '<details open class="trendkit-legend trendkit-box" data-trendkit-dock="bottom">'
        "<summary><b>{{ this.title|e }}</b></summary>"
        "{% for colour, label in this.rows %}"
        '<div><span style="display:inline-block;width:12px;height:12px;background:{{ colour|e }};'
        "border:1px solid #777;margin-right:6px;vertical-align:-1px;"
        '{% if this.round_marks %}border-radius:50%{% endif %}"></span>{{ label|e }}</div>'
        "{% endfor %}"
        '<div class="trendkit-note">{{ this.note|e }}</div></details>'
        "{% endmacro %}",
        title=title,
        rows=rows,
        note=note,
        round_marks=round_marks,
    )


def title_box(title: str, period: str | None) -> Any:
    """The map's visible title and data period, top left beside the zoom buttons."""
    return once(
        "{% macro html(this, kwargs) %}"
        '<div class="trendkit-title trendkit-box" data-trendkit-dock="top"><b>{{ this.title|e }}</b>'
        "{% if this.period %}<div>Kỳ dữ liệu / data period: {{ this.period|e }}</div>{% endif %}</div>"
        "{% endmacro %}",
        title=title,
        period=period,
    )


_FRAME_CSS = (
    ".trendkit-dock{position:absolute;z-index:1000;display:flex;flex-direction:column;gap:6px;"
    "pointer-events:none}"
    ".trendkit-dock>*{pointer-events:auto}"
    "#trendkit-dock-top{top:10px;left:54px;max-width:calc(100% - 64px)}"
    "#trendkit-dock-bottom{bottom:10px;left:10px;max-width:min(300px,calc(50% - 15px));"
    "max-height:calc(100% - 140px);overflow:auto}"
    ".trendkit-box{background:rgba(255,255,255,.93);padding:6px 9px;border:1px solid #999;border-radius:4px;"
    "font:12px sans-serif;color:#222}"
    ".trendkit-title b{font-size:14px}"
    ".trendkit-note{margin-top:4px;color:#555}"
    ".trendkit-place-label{font:11px sans-serif;color:#333;white-space:nowrap;text-shadow:0 0 3px #fff}"
    ".trendkit-archipelago{display:inline-block;font:11px sans-serif;color:#333;white-space:nowrap;"
    "transform:translateX(-100%);text-shadow:0 0 3px #fff}"
    ".leaflet-control-layers{max-width:calc(50% - 25px);font-size:12px}"
    "details.trendkit-legend>summary{cursor:pointer}"
    "@media (max-width:600px){.trendkit-box{font-size:10px;padding:4px 6px}.trendkit-title b{font-size:12px}"
    ".trendkit-note{display:none}.leaflet-control-layers{font-size:10px}}"
)


def dock_frame(map_name: str) -> Any:
    """Once per map: the docks that hold the title and legends, and a metric-only scale.

    The title (and a month slider) stack in the top dock beside the zoom buttons; every legend
    stacks in the bottom-left dock; the layer list and the scale sit bottom right. Boxes in one
    dock cannot overlap, and the two bottom corners each keep under half the width, so nothing
    overlaps on a 1280×720 screen or a 390×844 phone (``tests/test_browser.py`` measures it).
    """
    return once(
        "{% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}"
        "{% macro html(this, kwargs) %}"
        '<div id="trendkit-dock-top" class="trendkit-dock"></div>'
        '<div id="trendkit-dock-bottom" class="trendkit-dock"></div>'
        "{% endmacro %}"
        "{% macro script(this, kwargs) %}"
        "L.control.scale({imperial: false, metric: true, position: 'bottomright'}).addTo({{ this.map }});"
        "document.querySelectorAll('[data-trendkit-dock]').forEach(function(el) {"
        " document.getElementById('trendkit-dock-' + el.getAttribute('data-trendkit-dock')).appendChild(el); });"
        # a phone: legends start folded behind their titles, the layer list behind its button
        "if (window.innerWidth < 600) {"
        " document.querySelectorAll('details.trendkit-legend').forEach(function(d) { d.open = false; });"
        " document.querySelectorAll('.leaflet-control-layers').forEach(function(c) {"
        "  c.classList.remove('leaflet-control-layers-expanded'); }); }"
        "{% endmacro %}",
        css=_FRAME_CSS,
        map=map_name,
    )


def arrow_head(start: tuple[float, float], end: tuple[float, float], size: float) -> list[list[float]]:
    """A triangle arrowhead (lat, lon points) at ``end``, pointing away from ``start``."""
    import math

    (y0, x0), (y1, x1) = start, end
    angle = math.atan2(y1 - y0, x1 - x0)
    left = (y1 - size * math.sin(angle - 0.4), x1 - size * math.cos(angle - 0.4))
    right = (y1 - size * math.sin(angle + 0.4), x1 - size * math.cos(angle + 0.4))
    return [[y1, x1], list(left), list(right)]


def month_slider(payload: dict[str, Any], layer: str) -> Any:
    """A play button and a month slider that restyle the province ``layer`` (its JavaScript name) from
    ``payload`` (month labels, and each month's colour and shown value by province). The months and
    values are passed as a value (``|tojson``), never pasted into the template source."""
    return once(
        "{% macro html(this, kwargs) %}"
        '<div class="trendkit-box" data-trendkit-dock="top">'
        '<button id="trendkit-play" type="button" aria-label="play / chạy">▶</button> '
        '<input id="trendkit-month" type="range" min="0" max="{{ this.payload.labels|length - 1 }}" '
        'value="{{ this.payload.labels|length - 1 }}" style="width:min(240px,50vw);vertical-align:middle"> '
        '<b id="trendkit-label"></b></div>'
        "{% endmacro %}"
        "{% macro script(this, kwargs) %}"
        "(function() { var T = {{ this.payload|tojson }}; var layer = {{ this.layer }};"
        " var input = document.getElementById('trendkit-month'), label = document.getElementById('trendkit-label');"
        " function show(i) { var key = T.labels[i], month = T.data[key] || {}; label.textContent = key;"
        "  layer.eachLayer(function(l) { var d = month[l.feature.properties.tip_name];"
        "   l.setStyle({fillColor: d ? d[0] : T.missing});"
        "   l.feature.properties.tip_value = d ? d[1] : 'không có số liệu / no data';"
        "   l.feature.properties.tip_period = key; }); }"
        " input.addEventListener('input', function() { show(+input.value); });"
        " var timer = null; document.getElementById('trendkit-play').addEventListener('click', function() {"
        "  if (timer) { clearInterval(timer); timer = null; return; }"
        "  timer = setInterval(function() {"
        "   input.value = (+input.value + 1) % T.labels.length; show(+input.value); }, 700); });"
        " show(+input.value); })();"
        "{% endmacro %}",
        payload=payload,
        layer=layer,
    )
