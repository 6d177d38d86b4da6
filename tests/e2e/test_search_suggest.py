"""Search-as-you-type in Chromium: the header's search box suggests films after two letters,
works from the keyboard alone, exposes the ARIA combobox pattern to screen readers, and
passes axe-core with the suggestions open. The `page` fixture fails the test on any CSP
violation or script error (static/js/suggest.js is a static file; the policy allows no
inline script or style)."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import MovieFactory

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def films(transactional_db):
    return {
        "alien": MovieFactory(title="Alien", year=1979, rating_count=146),
        "aliens": MovieFactory(title="Aliens", year=1986, rating_count=126),
        "aladdin": MovieFactory(title="Aladdin", year=1992, rating_count=183),
        "heat": MovieFactory(title="Heat", year=1995, rating_count=102),
    }


def live_region(page):
    """What the search box announces to screen readers."""
    return page.locator(".search [aria-live='polite']")


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it is now (WCAG 2.x A and AA, best practices).

    axe is evaluated through the DevTools protocol, which the page's CSP does not govern
    (a script tag would be refused as inline), so the check itself causes no violation."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (axe-core is a devDependency).")
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        """() => axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                            "best-practice"]},
        })"""
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
    ]


def test_typing_two_letters_suggests_films_and_the_keyboard_opens_one(page, films, artifacts):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")
    box = page.get_by_role("combobox", name="Search movies")
    listbox = page.get_by_role("listbox", name="Suggested films")

    box.fill("a")
    page.wait_for_timeout(400)  # longer than the typing delay: nothing is asked for one letter
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")

    box.press_sequentially("l", delay=50)
    expect(listbox).to_be_visible()
    options = listbox.get_by_role("option")
    expect(options).to_have_count(3)
    expect(options).to_contain_text(["Aladdin", "Alien", "Aliens"])
    expect(options.first).to_contain_text("1992")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", listbox.get_attribute("id"))
    expect(live_region(page)).to_have_text(re.compile("^3 films suggested"))

    box.press("ArrowDown")
    box.press("ArrowDown")
    second = options.nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", second.get_attribute("id"))
    expect(box).to_be_focused()  # the focus stays in the box, as the pattern says
    page.screenshot(path=artifacts / "search_suggestions.png")

    assert axe_violations(page) == []

    box.press("ArrowUp")
    box.press("ArrowUp")  # wraps round to the last
    expect(options.nth(2)).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    assert box.get_attribute("aria-activedescendant") is None
    expect(box).to_have_value("al")  # the first Escape only closes the list

    box.press("ArrowDown")  # opens it again on the first film
    expect(options.first).to_have_attribute("aria-selected", "true")
    box.press("ArrowDown")
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/movies/{films['alien'].pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alien")


def test_enter_without_a_chosen_film_searches_and_a_click_opens_one(page, films):
    page.goto(f"/movies/{films['heat'].pk}/")  # every page's header has the box
    box = page.get_by_role("combobox", name="Search movies")
    box.press_sequentially("alie", delay=50)
    options = page.get_by_role("listbox", name="Suggested films").get_by_role("option")
    expect(options).to_have_count(2)
    # A real search: the first one in a process loads the sentence-transformers model.
    box.press("Enter", timeout=60_000)
    expect(page).to_have_url(re.compile(r"/movies/\?q=alie$"))

    page.get_by_role("combobox", name="Search movies").fill("")
    page.get_by_role("combobox", name="Search movies").press_sequentially("ali", delay=50)
    page.get_by_role("option", name="Aliens").click()
    expect(page).to_have_url(re.compile(rf"/movies/{films['aliens'].pk}/$"))


def test_no_film_starting_with_the_letters_is_announced(page, films):
    page.goto("/")
    box = page.get_by_role("combobox", name="Search movies")
    box.press_sequentially("zq", delay=50)
    expect(live_region(page)).to_have_text(re.compile("^No film title starts with “zq”"))
    expect(page.get_by_role("listbox", name="Suggested films")).to_be_hidden()
    assert axe_violations(page) == []
