"""Watch together in Chromium: a group of three, one ticked among the people the viewer
follows and one typed, one of them new. A screenshot of the picks goes to test-artifacts/."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, sign_in
from tests.factories import FollowFactory, GenreFactory, MovieFactory, PublicUserFactory, rate

pytestmark = pytest.mark.e2e

PASSWORD = "popcorn and a good film 7"


def test_a_group_of_three_gets_picks_that_say_whom_they_suit(page, artifacts):
    drama, comedy = GenreFactory(name="Drama"), GenreFactory(name="Comedy")
    films = [
        MovieFactory(title=f"{kind} {i}", genres=[genre], rating_count=50 - i, rating_sum=200)
        for kind, genre in (("Drama", drama), ("Comedy", comedy))
        for i in range(8)
    ]
    dana = PublicUserFactory(username="dana", password=PASSWORD)
    eli = PublicUserFactory(username="eli", allow_group_recommendations=True)
    PublicUserFactory(username="finn", allow_group_recommendations=True)  # no ratings yet
    FollowFactory(follower=dana, followee=eli)
    rated = {films[0].pk, films[8].pk, films[1].pk}
    rate(dana, films[0], "5.0")
    rate(dana, films[8], "2.0")
    rate(eli, films[1], "4.5")

    page.set_viewport_size(DESKTOP)
    sign_in(page, "dana", PASSWORD)
    page.goto(reverse("recommendations:watch-together"))
    page.get_by_label("eli").check()
    page.get_by_label("Who's watching with you").fill("finn")
    page.get_by_role("button", name="Find films").click()

    members = page.get_by_role("region", name="Who's watching")
    expect(members).to_contain_text("You (dana)")
    expect(members.locator("li", has_text="finn")).to_contain_text(
        "new here: picked from the others' tastes"
    )
    expect(members.locator("li", has_text="eli")).not_to_contain_text("new here")
    picks = page.get_by_role("region", name="For all 3 of you")
    cards = picks.locator(".movie-card")
    expect(cards.first).to_be_visible()
    titles = cards.locator(".movie-card__title").all_inner_texts()
    assert titles and not set(titles) & {film.display_title for film in films if film.pk in rated}
    reasons = cards.locator(".movie-card__why").all_inner_texts()
    assert len(reasons) == len(titles)
    assert all(reason.startswith("Picked for ") and "finn" not in reason for reason in reasons)
    page.screenshot(path=artifacts / "watch_together.png", full_page=True, caret="initial")
