"""A new user's whole first visit, in headless Chromium against the live server.

The catalogue is 60 films in six genres with hand-made embeddings (one axis per
genre), rated by 24 other users who each love one genre. The journey runs with a
trained ALS model and without one (the cold-start path), and must work the same.
"""

import re
from decimal import Decimal

import numpy as np
import pytest
from playwright.sync_api import expect

from catalog.models import Movie
from jobs.progress import NullProgress
from ratings.models import Rating
from recommendations.training import training_run_train
from tests.factories import GenreFactory, MovieFactory
from tests.recommendations.conftest import (
    SMALL_ALS,
    make_users,
    refresh_rating_counters,
    unit_vector,
)

pytestmark = pytest.mark.e2e

PASSWORD = "popcorn and a good film 7"
GENRES = ["Sci-Fi", "Comedy", "Drama", "Horror", "Romance", "Western"]


def seed_catalogue(*, train: bool) -> None:
    rng = np.random.default_rng(11)
    movies: dict[str, list[Movie]] = {}
    for axis, name in enumerate(GENRES):
        genre = GenreFactory(name=name)
        movies[name] = [
            MovieFactory(
                title=f"{name} Story {n + 1}",
                year=1950 + 7 * n + axis,
                genres=[genre],
                overview=f"A {name.lower()} film.",
                embedding=unit_vector(axis, rng),
            )
            for n in range(10)
        ]
    ratings = []
    for axis, name in enumerate(GENRES):
        for user in make_users(f"{name.lower()}fan", 4):
            for movie in rng.choice(movies[name], 8, replace=False):
                ratings.append(Rating(user=user, movie=movie, score=Decimal("4.5")))
            for movie in rng.choice(movies[GENRES[(axis + 1) % 6]], 2, replace=False):
                ratings.append(Rating(user=user, movie=movie, score=Decimal("1.5")))
    Rating.objects.bulk_create(ratings)
    refresh_rating_counters()
    if train:
        training_run_train(progress=NullProgress(), params=SMALL_ALS)


def pick_titles(page) -> list[str]:
    row = page.get_by_role("region", name="Picked for you")
    return row.locator(".movie-card__title").all_inner_texts()


@pytest.mark.parametrize("train", [True, False], ids=["trained", "cold-start"])
def test_new_user_journey(page, artifacts, train):
    seed_catalogue(train=train)

    # Sign up, which leads into onboarding.
    page.goto("/")
    page.get_by_role("link", name="Sign up", exact=True).click()
    page.get_by_label("Username").fill("filmfan")
    page.get_by_label("Email").fill("filmfan@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/welcome/$"))
    expect(page.get_by_role("status").first).to_contain_text("Welcome to movierec, filmfan!")

    # Step 1: genres. Step 2: rate ten films through htmx, skipping one.
    page.get_by_label("Sci-Fi").check()
    page.get_by_label("Horror").check()
    page.get_by_role("button", name="Next: rate some films").click()
    panel = page.locator("#onboarding-panel")
    expect(panel).to_contain_text("0 of 10")
    first_card = panel.locator(".movie-card").first
    skipped = first_card.locator(".movie-card__title").inner_text()
    first_card.get_by_role("button", name=re.compile("Haven't seen it")).click()
    expect(panel.locator(".movie-card__title").first).not_to_have_text(skipped)
    for rated in range(1, 11):
        card = panel.locator(".movie-card").first
        assert re.search(r"Sci-Fi|Horror", card.locator(".genres").inner_text())
        card.locator("label.star").nth(9 if rated % 2 else 8).click()  # 5 or 4.5 stars
        progress = f"{rated} of 10" if rated < 10 else "10 films rated"
        expect(panel.locator(".onboarding__progress")).to_contain_text(progress)
    expect(panel).to_contain_text("You're all set!")
    page.get_by_role("link", name="See my recommendations").click()

    # Home: personal picks, each with its reason.
    expect(page.get_by_role("heading", name="Picked for you")).to_be_visible()
    before = pick_titles(page)
    assert len(before) >= 6
    reasons = page.get_by_role("region", name="Picked for you").locator(".movie-card__why")
    assert reasons.count() == len(before)
    assert all(text.strip() for text in reasons.all_inner_texts())
    assert any("Because you liked" in text for text in reasons.all_inner_texts())
    # One row per anchor: several best-rated films may each have one.
    expect(page.get_by_role("heading", name=re.compile("Because you liked")).first).to_be_visible()
    page.screenshot(
        path=artifacts / f"journey-home-{'trained' if train else 'cold'}.png", full_page=True
    )

    # Rating the top pick (badly) takes it off the list and changes the picks.
    page.get_by_role("region", name="Picked for you").locator(".movie-card__link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(before[0].rsplit(" (", 1)[0])
    page.locator("#movie-actions label.star").nth(1).click()  # 1 star
    expect(page.locator("#movie-actions .feedback")).to_contain_text("You rated")
    expect(page.locator("#movie-actions legend")).to_contain_text("Your rating: 1 ★")

    # The watchlist, through htmx, then on My watchlist.
    page.get_by_role("button", name="Add to watchlist").click()
    expect(page.get_by_role("button", name="Remove from watchlist")).to_be_visible()
    watched_title = page.get_by_role("heading", level=1).inner_text()

    page.get_by_role("link", name="Home").click()
    after = pick_titles(page)
    assert before[0] not in after
    assert after != before

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Watchlist").click()
    expect(page.get_by_role("heading", name="My watchlist")).to_be_visible()
    expect(page.locator(".list-row__title").first).to_have_text(watched_title.replace("\n", " "))

    account = page.get_by_role("navigation", name="Account")
    account.locator("summary").click()
    account.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status").first).to_contain_text("You are signed out.")
