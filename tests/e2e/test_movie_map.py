"""The movie map in a browser: hover, zoom, click through to a film, and the film's
neighbourhood mini-map. Screenshots of both go to test-artifacts/."""

import re

import numpy as np
import pytest
from playwright.sync_api import expect

from catalog.models import EMBEDDING_DIMENSIONS
from catalog.movie_map import movie_map_refresh
from jobs.progress import NullProgress
from ratings.services import rating_upsert, watchlist_add
from tests.e2e.conftest import sign_in
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
                    title=f"{name} film {i}",
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
