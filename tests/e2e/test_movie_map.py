"""The movie map in a browser: hover, zoom, click through to a film, and the film's
neighbourhood mini-map. Screenshots of both go to test-artifacts/."""

import re

import numpy as np
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from catalog.models import EMBEDDING_DIMENSIONS
from catalog.movie_map import movie_map_refresh
from jobs.progress import NullProgress
from ratings.services import rating_upsert, watchlist_add
from tests.e2e.conftest import DESKTOP, PHONE, sign_in
from tests.factories import GenreFactory, MovieFactory, UserFactory

# The map is laid out for real, so this shares the worker that compiled UMAP already.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("umap")]

PASSWORD = "popcorn and a good film 7"
GROUPS = ["Horror", "Animation", "Western", "Musical", "Documentary", "Film-Noir"]
PER_GROUP = 40


@pytest.fixture
def mapped(transactional_db):
    """Six kinds of film, each along its own arc in the embedding space, all also Drama;
    a user who rated one, has one on the watchlist; and the map computed by the job."""
    rng = np.random.default_rng(5)
    drama = GenreFactory(name="Drama")
    movies = {}
    for g, name in enumerate(GROUPS):
        genre = GenreFactory(name=name)
        for i in range(PER_GROUP):
            vector = 0.02 * rng.standard_normal(EMBEDDING_DIMENSIONS)
            vector[2 * g] += np.cos(i / PER_GROUP)
            vector[2 * g + 1] += np.sin(i / PER_GROUP)
            movies.setdefault(name, []).append(
                MovieFactory(
                    # Long, as many titles are: the mini-map's labels must make room.
                    title=f"The {name} Film Number {i} Returns",
                    year=1950 + i,
                    genres=[genre, drama],
                    embedding=vector / np.linalg.norm(vector),
                    embedding_text_hash=f"{name}-{i}",
                )
            )
    user = UserFactory(username="mapper", password=PASSWORD)
    rating_upsert(user=user, movie=movies["Western"][3], score="4.5")
    watchlist_add(user=user, movie=movies["Horror"][7])
    report = movie_map_refresh(progress=NullProgress())
    assert report.movies == len(GROUPS) * PER_GROUP
    return movies


def _point(page, movie_id: int) -> tuple[float, float]:
    """Where the film's dot is on the page now."""
    box = page.locator("#movie-map canvas").bounding_box()
    x, y = page.evaluate(f"document.getElementById('movie-map').movieMap.screenOf({movie_id})")
    return box["x"] + x, box["y"] + y


def test_explore_the_map_and_open_a_film(page, mapped, artifacts):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "mapper", PASSWORD)
    page.get_by_role("link", name="Map", exact=True).click()
    root = page.locator("#movie-map")
    expect(root).to_have_class(re.compile(r"\bis-ready\b"))
    # The neighbourhoods' labels, also listed under the map: Drama is everywhere, so no label.
    expect(page.locator(".map-list")).to_contain_text("Horror")
    expect(page.locator(".map-list")).not_to_contain_text("Drama")

    # Hover: the title, and what the film is to this user.
    rated = mapped["Western"][3]
    page.mouse.move(*_point(page, rated.pk))
    tooltip = page.locator(".movie-map__tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_have_text(f"{rated.display_title} · you rated it 4.5★")
    page.screenshot(path=artifacts / "movie_map.png", full_page=True)

    # Wheel: zooms in around the pointer.
    canvas = root.locator("canvas")
    assert canvas.get_attribute("data-scale") == "1.000"
    page.mouse.wheel(0, -600)
    expect(canvas).not_to_have_attribute("data-scale", "1.000")
    assert float(canvas.get_attribute("data-scale")) > 1.5

    # Click: opens the film, whose page shows its neighbourhood.
    target = mapped["Animation"][10]
    page.mouse.click(*_point(page, target.pk))
    expect(page).to_have_url(re.compile(rf"/movies/{target.pk}/$"))
    neighbourhood = page.get_by_role("group", name=f"Map of {target.title} and its nearest films")
    expect(neighbourhood).to_be_visible()
    expect(neighbourhood.locator("circle")).to_have_count(13)
    neighbourhood.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "movie_neighbourhood.png", full_page=True)

    # The neighbours are links to their films.
    neighbourhood.locator("a:not(.is-centre) circle").first.click()
    expect(page).to_have_url(re.compile(r"/movies/\d+/$"))
    assert f"/movies/{target.pk}/" not in page.url


# Each link of the mini-map: its label's box (SVG units), whether it shows, and its dot's box.
MINI_MAP_LABELS = """svg => [...svg.querySelectorAll('a')].map(link => {
  const text = link.querySelector('text').getBBox(), dot = link.querySelector('circle').getBBox();
  return {
    title: link.querySelector('title').textContent,
    shown: getComputedStyle(link.querySelector('text')).visibility === 'visible',
    label: [text.x, text.y, text.x + text.width, text.y + text.height],
    dot: [dot.x, dot.y, dot.x + dot.width, dot.y + dot.height],
  };
})"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize(("device", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_neighbourhood_labels_neither_overlap_nor_run_off_the_map(
    page, mapped, artifacts, device, viewport
):
    page.set_viewport_size(viewport)
    target = mapped["Animation"][10]
    page.goto(reverse("pages:movie-detail", args=[target.pk]))
    neighbourhood = page.get_by_role("group", name=f"Map of {target.title} and its nearest films")
    neighbourhood.scroll_into_view_if_needed()
    links = neighbourhood.evaluate(MINI_MAP_LABELS)
    assert len(links) == 13

    shown = [link for link in links if link["shown"]]
    # The film's own label, and most of its neighbours'.
    assert links[-1]["shown"] and links[-1]["title"] == target.display_title
    assert len(shown) >= 6
    for link in shown:
        left, top, right, bottom = link["label"]
        assert left >= 0 and top >= 0 and right <= 100 and bottom <= 100, link
        for other in links:
            if other is not link:
                assert not _overlap(link["label"], other["dot"]), (link, other)
                if other["shown"]:
                    assert not _overlap(link["label"], other["label"]), (link, other)
    neighbourhood.screenshot(path=artifacts / f"movie_neighbourhood_{device}.png")

    # A label without room shows when its film is reached with the keyboard (or hovered).
    hidden = [index for index, link in enumerate(links) if not link["shown"]]
    if hidden:
        link = neighbourhood.locator("a").nth(hidden[0])
        link.focus()
        expect(link.locator("text")).to_be_visible()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/movies/\d+/$"))
        assert f"/movies/{target.pk}/" not in page.url


@pytest.mark.parametrize(("device", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_find_a_film_with_the_keyboard_and_the_map_centres_on_it(
    page, mapped, artifacts, device, viewport
):
    page.set_viewport_size(viewport)
    page.goto(reverse("catalog:movie-map"))
    expect(page.locator("#movie-map")).to_have_class(re.compile(r"\bis-ready\b"))
    # The neighbourhoods are told apart: no label twice.
    labels = page.locator(".map-list li").all_text_contents()
    assert len(labels) == len(set(labels))
    find = page.get_by_role("combobox", name="Find a film on the map")
    results = page.get_by_role("listbox", name="Films on the map")
    status = page.locator(".movie-map__find-status")

    find.focus()
    page.keyboard.type("horror film number 1")
    expect(results.get_by_role("option")).to_have_count(8)  # 1 and 10-19: the first 8
    expect(status).to_have_text("11 films match; the first 8 are listed.")
    horror = mapped["Horror"][1]
    expect(results.get_by_role("option").first).to_have_text(horror.display_title)
    page.keyboard.press("Escape")
    expect(results).to_be_hidden()
    expect(find).to_have_attribute("aria-expanded", "false")

    find.fill("")
    page.keyboard.type("zzz")
    expect(status).to_have_text("No film on the map matches “zzz”.")
    expect(results).to_be_hidden()

    target = mapped["Western"][13]
    find.fill("")
    page.keyboard.type("WESTERN FILM NUMBER 13")
    expect(results.get_by_role("option")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    option = results.get_by_role("option", name=target.title)
    expect(option).to_have_attribute("aria-selected", "true")
    expect(find).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    page.keyboard.press("Enter")

    canvas = page.locator("#movie-map canvas")
    expect(canvas).to_have_attribute("data-found", str(target.pk))
    assert float(canvas.get_attribute("data-scale")) >= 8
    box = canvas.bounding_box()
    x, y = page.evaluate(f"document.getElementById('movie-map').movieMap.screenOf({target.pk})")
    assert x == pytest.approx(box["width"] / 2, abs=1) and y == pytest.approx(
        box["height"] / 2, abs=1
    )
    expect(page.locator(".movie-map__tooltip")).to_have_text(target.display_title)
    expect(status).to_contain_text(f"On the map: {target.display_title}.")
    expect(find).to_have_value(target.display_title)
    page.screenshot(
        path=artifacts / f"movie_map_find_{device}.png", full_page=True, caret="initial"
    )

    status.get_by_role("link", name="Open its page").click()
    expect(page).to_have_url(re.compile(rf"/movies/{target.pk}/$"))
