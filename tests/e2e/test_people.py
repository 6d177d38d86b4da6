"""Cast and crew in the browser: a small credits file imported, a movie page showing its
director and cast, and a click through to an actor's page with the viewer's ratings."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.factories import MovieFactory, UserFactory, rate
from tests.tmdb_files import cast_entry, crew_entry, tmdb_5000_credits

pytestmark = pytest.mark.e2e

PASSWORD = "popcorn and a good film 7"


def test_a_movie_page_shows_its_people_and_leads_to_an_actors_films(page, artifacts, tmp_path):
    toy_story = MovieFactory(
        tmdb_id=862,
        title="Toy Story",
        year=1995,
        overview="A cowboy doll is profoundly threatened when a spaceman figure supplants him.",
    )
    sequel = MovieFactory(tmdb_id=863, title="Toy Story 2", year=1999)
    hanks, allen = (31, "Tom Hanks"), (12898, "Tim Allen")
    credits = tmdb_5000_credits(
        tmp_path / "tmdb_5000_credits.csv",
        [
            {
                "movie_id": "862",
                "title": "Toy Story",
                "cast": [
                    cast_entry(*hanks, "Woody (voice)", 0),
                    cast_entry(*allen, "Buzz Lightyear (voice)", 1),
                    cast_entry(7167, "Don Rickles", "Mr. Potato Head (voice)", 2),
                ],
                "crew": [
                    crew_entry(7879, "John Lasseter", "Director"),
                    crew_entry(12891, "Joss Whedon", "Screenplay"),
                ],
            },
            {
                "movie_id": "863",
                "title": "Toy Story 2",
                "cast": [cast_entry(*hanks, "Woody (voice)", 0)],
                "crew": [crew_entry(7879, "John Lasseter", "Director")],
            },
        ],
    )
    out = io.StringIO()
    call_command("import_tmdb_credits", str(credits), verbosity=0, stdout=out)
    assert "credits of 2 movies changed" in out.getvalue()
    viewer = UserFactory(username="woody_fan", password=PASSWORD)
    rate(viewer, sequel, "4.5")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Username").fill("woody_fan")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status").first).to_contain_text("Signed in as woody_fan.")

    page.goto(f"/movies/{toy_story.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Toy Story")
    expect(page.locator(".credits").first).to_have_text("Directed by John Lasseter")
    expect(page.locator(".credits").nth(1)).to_have_text("Written by Joss Whedon")
    cast = page.get_by_role("region", name="Cast")
    expect(cast.get_by_role("listitem")).to_have_text(
        [
            "Tom Hanks as Woody (voice)",
            "Tim Allen as Buzz Lightyear (voice)",
            "Don Rickles as Mr. Potato Head (voice)",
        ]
    )
    page.screenshot(path=artifacts / "movie-page-cast.png", full_page=True)

    cast.get_by_role("link", name="Tom Hanks").click()

    expect(page).to_have_url(re.compile(r"/people/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tom Hanks")
    films = page.get_by_role("region", name=re.compile("^Cast"))
    expect(films.locator(".movie-card__title")).to_have_text(
        ["Toy Story 2 (1999)", "Toy Story (1995)"]
    )
    expect(films.locator(".movie-card__character").first).to_have_text("as Woody (voice)")
    expect(films.locator(".movie-card").first.locator(".my-score")).to_contain_text("You rated it")
    page.screenshot(path=artifacts / "person-page.png", full_page=True)

    films.get_by_role("link", name="Toy Story (1995)").click()
    expect(page).to_have_url(re.compile(rf"/movies/{toy_story.pk}/$"))
