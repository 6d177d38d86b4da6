"""The settings pages in a browser, on a laptop and on a phone: the recommender's choices one
a line, and an API token created on the settings page. Screenshots go to test-artifacts/."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import ApiToken
from recommendations.config import ALGORITHM_CHOICES, Algorithm
from tests.e2e.conftest import DESKTOP, PHONE, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

PASSWORD = "popcorn and a good film 7"


@pytest.fixture
def chooser(transactional_db):
    return UserFactory(username="chooser", password=PASSWORD)


@pytest.fixture(params=[("desktop", DESKTOP), ("phone", PHONE)], ids=["desktop", "phone"])
def device(request, page, chooser) -> tuple[str, dict[str, int]]:
    """The device's name and viewport; the page is that size, signed in as the chooser."""
    name, viewport = request.param
    page.set_viewport_size(viewport)
    sign_in(page, "chooser", PASSWORD)
    return name, viewport


def _box(locator) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None, locator
    return box


def _bottom(box: dict[str, float]) -> float:
    return box["y"] + box["height"]


def test_the_recommender_choices_stand_one_a_line_with_their_descriptions(page, artifacts, device):
    name, viewport = device
    page.goto(reverse("recommendations:recommender"))
    choices = page.get_by_role("group", name="Recommender")
    expect(choices.get_by_role("radio")).to_have_count(len(Algorithm))

    previous_bottom = _box(choices.locator("legend"))["y"]
    for algorithm in [Algorithm(value) for value, _ in ALGORITHM_CHOICES]:
        radio = choices.get_by_role("radio", name=algorithm.label)
        expect(radio).to_have_accessible_description(algorithm.description)
        label = choices.locator(f"label[for='{radio.get_attribute('id')}']")
        help_text = page.locator(f"#{radio.get_attribute('aria-describedby')}")
        radio_box, label_box, help_box = _box(radio), _box(label), _box(help_text)
        # Each option starts below the one before: never two on one line.
        assert radio_box["y"] >= previous_bottom and label_box["y"] >= previous_bottom
        # The button sits on the label's first line, to its left; the description under both.
        assert radio_box["y"] < label_box["y"] + 24 and _bottom(radio_box) > label_box["y"]
        assert _bottom(radio_box) <= help_box["y"] + 2 and _bottom(label_box) <= help_box["y"] + 1
        assert radio_box["x"] + radio_box["width"] <= label_box["x"]
        assert help_box["x"] == pytest.approx(label_box["x"], abs=1)
        previous_bottom = _bottom(help_box)
    # Nothing runs past the screen's edge.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    expect(choices.get_by_role("radio", name=Algorithm.HYBRID.label + " in use")).to_be_checked()
    page.screenshot(path=artifacts / f"recommender_settings_{name}.png", full_page=True)

    # The label chooses its option.
    choices.get_by_text(Algorithm.EASE.label, exact=True).click()
    expect(choices.get_by_role("radio", name=Algorithm.EASE.label)).to_be_checked()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text(Algorithm.EASE.label)


def test_a_person_creates_an_api_token_on_the_settings_page_and_sees_it_once(
    page, chooser, artifacts, device
):
    name, viewport = device
    page.goto(reverse("accounts:settings"))
    apps = page.get_by_role("region", name="Apps and devices")
    expect(apps).to_contain_text("No app is signed in")

    apps.get_by_label("Name of the app or device").fill("My script")
    apps.get_by_role("button", name="Create token").click()

    secret_box = page.get_by_role("textbox", name="Your new API token")
    expect(secret_box).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="shown only this once")).to_be_visible()
    secret = secret_box.input_value()
    token = ApiToken.objects.get(user=chooser)
    assert ApiToken.digest_of(secret) == token.digest
    expect(apps.get_by_role("row", name="My script")).to_contain_text(f"{secret[:8]}…")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    apps.screenshot(path=artifacts / f"api_token_created_{name}.png")

    # Shown once: the page, opened again, names the token but not its secret.
    page.goto(reverse("accounts:settings"))
    expect(page.get_by_role("textbox", name="Your new API token")).to_have_count(0)
    assert secret not in page.content()
    # And it signs out like any other app.
    apps.get_by_role("button", name="Sign out My script").click()
    expect(apps).to_contain_text("No app is signed in")
    assert not ApiToken.objects.exists()
