"""The social layer in Chromium under the strict CSP (the `page` fixture fails a test on
any violation): a diary entry with a review, a like, a follow, the feed, a private list,
spoilers, and reordering a list by keyboard and by drag."""

import pytest
from playwright.sync_api import expect

from social.models import ListEntry, MovieList
from social.services import list_entry_add, movie_list_create
from tests.factories import MovieFactory, PublicUserFactory

pytestmark = pytest.mark.e2e

PASSWORD = "popcorn and a good film 7"
DRAG_BETA_ABOVE_ALPHA = """() => {
    const row = (title) => [...document.querySelectorAll(".list-entry")]
        .find((li) => li.textContent.includes(title));
    const [beta, alpha] = [row("Beta"), row("Alpha")];
    const data = new DataTransfer();
    const fire = (target, type, init = {}) => target.dispatchEvent(
        new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: data, ...init}));
    fire(beta, "dragstart");
    fire(alpha, "dragover", {clientY: alpha.getBoundingClientRect().top + 2});
    fire(alpha, "drop");
    fire(beta, "dragend");
}"""
MARKUP = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>bold</b>'


def sign_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Signed in as {username}.")


def test_log_review_like_follow_feed_and_a_private_list(page):
    film = MovieFactory(title="Spirited Away", year=2001)
    PublicUserFactory(username="ann", password=PASSWORD)
    PublicUserFactory(username="ben", password=PASSWORD)

    # Ann logs a watch with a review full of markup, and a spoiler.
    sign_in(page, "ann")
    page.goto(f"/movies/{film.pk}/")
    log = page.get_by_role("region", name="Your watches")
    log.get_by_label("Watched on").fill("2026-05-06")
    log.get_by_label("Score").select_option("4.5")
    log.get_by_label("Review").fill(MARKUP + "\n\nThe ending!")
    log.get_by_label("Contains spoilers").check()
    log.get_by_role("button", name="Save to diary").click()
    expect(page.get_by_role("status").first).to_contain_text("Logged Spirited Away (2001)")
    expect(log).to_contain_text("6 May 2026")

    # Ben sees it folded, opens it: the markup is text, and nothing of it ran.
    sign_in(page, "ben")
    page.goto(f"/movies/{film.pk}/")
    reviews = page.get_by_role("region", name="Reviews")
    review = reviews.locator(".review").first
    expect(review.locator(".review__text")).to_be_hidden()
    review.get_by_text("This review contains spoilers. Show it").click()
    expect(review.locator(".review__text")).to_contain_text(MARKUP)
    expect(review.locator(".review__text img")).to_have_count(0)
    assert page.evaluate("window.pwned") is None

    # He likes it, follows Ann, and sees her watch in his feed on the home page.
    review.get_by_role("button", name="Like").click()
    expect(page.locator(".review").first).to_contain_text("1 like")
    page.goto("/u/ann/")
    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("status").first).to_contain_text("You follow ann.")
    page.goto("/")
    feed = page.get_by_role("region", name="From people you follow")
    expect(feed).to_contain_text("ann watched Spirited Away (2001)")

    # Ann has a follower and a like, counted in the header; she makes a private list.
    sign_in(page, "ann")
    expect(page.locator(".notifications-link")).to_contain_text("2 unread")
    page.goto("/u/ann/lists/")
    page.get_by_label("Name").fill("Secret favourites")
    page.get_by_label("Visibility").select_option("private")
    page.get_by_role("button", name="Make the list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Secret favourites")
    private_url = page.url

    # Ben cannot see it: not by its link, not on her profile.
    sign_in(page, "ben")
    response = page.goto(private_url)
    assert response.status == 404
    page.goto("/u/ann/")
    expect(page.get_by_role("region", name="Lists")).not_to_contain_text("Secret favourites")


def test_reorder_a_list_by_keyboard_and_by_drag(page):
    owner = PublicUserFactory(username="ann", password=PASSWORD)
    movie_list = movie_list_create(user=owner, name="Top three", ranked=True)
    for title in ("Alpha", "Beta", "Gamma"):
        list_entry_add(movie_list=movie_list, movie_id=MovieFactory(title=title, year=2000).pk)

    def order() -> list[str]:
        return list(
            ListEntry.objects.filter(movie_list=movie_list)
            .order_by("position")
            .values_list("movie__title", flat=True)
        )

    sign_in(page, "ann")
    page.goto(f"/lists/{movie_list.pk}/")
    # Keyboard: focus Gamma's Up button and press Enter.
    page.locator(".list-entry", has_text="Gamma").get_by_role("button", name="Up").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".list-entry__film > a")).to_have_text(
        ["Alpha (2000)", "Gamma (2000)", "Beta (2000)"]
    )
    assert order() == ["Alpha", "Gamma", "Beta"]
    # Drag: Beta onto the top of Alpha.
    with page.expect_response(lambda response: response.url.endswith("/order/")) as saved:
        # The drag's events as the browser sends them, dispatched directly: a mouse-driven
        # HTML drag is timing-dependent in a headless browser on a busy machine.
        page.evaluate(DRAG_BETA_ABOVE_ALPHA)
    assert saved.value.status == 200
    expect(page.locator(".list-entry__film > a")).to_have_text(
        ["Beta (2000)", "Alpha (2000)", "Gamma (2000)"]
    )
    assert order() == ["Beta", "Alpha", "Gamma"]
    assert MovieList.objects.get().user == owner
