import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

PASSWORD = "popcorn and a good film 7"


def test_sign_up_sign_out_sign_in_and_delete_the_account(page, artifacts):
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("filmfan")
    page.get_by_label("Email").fill("filmfan@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("status").first).to_contain_text("Welcome to movierec, filmfan!")
    account = page.get_by_role("navigation", name="Account")
    expect(account.locator("summary")).to_have_text("filmfan")
    page.screenshot(path=artifacts / "home.png", full_page=True)

    account.locator("summary").click()
    account.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status").first).to_contain_text("You are signed out.")

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Username").fill("filmfan")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status").first).to_contain_text("Signed in as filmfan.")

    account.locator("summary").click()
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Delete my account").click()
    page.get_by_label("Type your username to confirm").fill("filmfan")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account for good").click()

    expect(page.get_by_role("status").first).to_contain_text("were deleted")
    expect(page.get_by_role("link", name="Sign up")).to_be_visible()
    assert not User.objects.filter(username="filmfan").exists()


def test_phone_layout_collapses_the_menu(page):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/")
    toggle = page.get_by_role("button", name="Menu")
    search = page.get_by_role("combobox", name="Search movies")  # it suggests films
    expect(search).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    search.fill("heat")
    # A real search: the first one in a process loads the sentence-transformers model.
    search.press("Enter", timeout=60_000)
    expect(page).to_have_url(re.compile(r"/movies/\?q=heat$"))


def test_desktop_header_is_one_row_with_the_account_links_behind_the_username(page):
    name = "a_rather_long_username_for_a_film_fan"
    UserFactory(username=name, password=PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    menu = page.get_by_role("navigation", name="Account").locator("summary")
    expect(menu.get_by_title(name)).to_be_visible()
    brand, menu_box = page.get_by_role("link", name="movierec").bounding_box(), menu.bounding_box()
    # One row: the account menu sits level with the brand, not on a line below it.
    assert abs((menu_box["y"] + menu_box["height"] / 2) - (brand["y"] + brand["height"] / 2)) < 8

    settings = page.get_by_role("link", name="Settings")
    expect(settings).to_be_hidden()
    menu.click()
    expect(settings).to_be_visible()
    page.keyboard.press("Escape")
    expect(settings).to_be_hidden()
    menu.click()
    page.get_by_role("heading", level=1).click()
    expect(settings).to_be_hidden()
    menu.click()
    settings.click()
    expect(page).to_have_url(re.compile(r"/account/$"))
