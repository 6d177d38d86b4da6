"""A film page on a phone and on a laptop: the rating stars are on the first screen, under a
poster that no longer fills it. Screenshots of the first screen go to test-artifacts/."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from catalog.models import Credit
from tests.e2e.conftest import DESKTOP, PHONE, sign_in
from tests.factories import CreditFactory, GenreFactory, MovieFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.e2e

PASSWORD = "popcorn and a good film 7"


@pytest.fixture
def film(transactional_db):
    """A film without a poster (the placeholder), with a long overview and a full cast."""
    movie = MovieFactory(
        title="The Adventures of Priscilla, Queen of the Desert",
        year=1994,
        runtime=104,
        tagline="Finally, a comedy that goes straight to the heart.",
        overview=" ".join(["Two drag queens and a transgender woman cross the Australian outback"]
                          * 6) + ".",
        genres=[GenreFactory(name="Comedy"), GenreFactory(name="Drama")],
    )  # fmt: skip
    CreditFactory(
        movie=movie, person=PersonFactory(name="Stephan Elliott"), role=Credit.Role.DIRECTOR
    )
    CreditFactory(
        movie=movie, person=PersonFactory(name="Stephan Elliott Jr"), role=Credit.Role.WRITER
    )
    for position in range(8):
        CreditFactory(movie=movie, position=position, character=f"Character {position}")
    UserFactory(username="phone_user", password=PASSWORD)
    return movie


@pytest.mark.parametrize(("device", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_the_rating_stars_are_on_the_first_screen_of_a_film_page(
    page, film, artifacts, device, viewport
):
    page.set_viewport_size(viewport)
    sign_in(page, "phone_user", PASSWORD)
    page.goto(reverse("pages:movie-detail", args=[film.pk]))

    stars = page.get_by_role("group", name="Your rating")
    expect(stars).to_be_visible()
    assert page.evaluate("window.scrollY") == 0
    box = stars.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]
    # The placeholder poster is a thumbnail on a phone, beside the title, not above it.
    poster = page.locator(".movie__poster .poster").bounding_box()
    title = page.get_by_role("heading", level=1).bounding_box()
    if device == "phone":
        assert poster["height"] < viewport["height"] / 4
        assert poster["x"] + poster["width"] <= title["x"]
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    # The first screen, as a person sees it. (Hiding the caret would leave style="" on every
    # input, which htmx copies over when it swaps the stars: a CSP violation of the test's own.)
    page.screenshot(path=artifacts / f"movie_page_first_screen_{device}.png", caret="initial")

    # The stars work from there.
    stars.locator("label.star").nth(7).click()
    expect(stars.locator("legend")).to_contain_text("Your rating: 4 ★")
