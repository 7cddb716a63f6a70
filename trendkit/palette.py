"""How a channel looks wherever trendkit draws it: its colour and its bilingual label.

Maps, figures and pages share these, so road is the same orange on every one of them.

>>> CHANNEL_COLOURS["road"], CHANNEL_LABELS["road"]
('#d55e00', 'Đường bộ / road')
"""

from __future__ import annotations

from trendkit.words import CHANNELS

__all__ = ["CHANNEL_COLOURS", "CHANNEL_LABELS", "UNKNOWN_COLOUR"]

#: Channel colours (colour-blind safe, Okabe–Ito).
CHANNEL_COLOURS = {
    "road": "#d55e00",
    "rail": "#cc79a7",
    "sea": "#0072b2",
    "air": "#009e73",
    "post": "#e69f00",
    "inland_waterway": "#56b4e9",
    "inland": "#999999",
}

#: A channel outside :data:`CHANNEL_COLOURS`.
UNKNOWN_COLOUR = "#333333"

#: How a channel is named on maps and pages ("Đường bộ / road"), from :data:`trendkit.words.CHANNELS`.
CHANNEL_LABELS = {key: f"{words.capitalised().vi} / {words.en}" for key, words in CHANNELS.items()}
