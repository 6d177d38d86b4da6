"""The moderation queue: reports, hiding what was reported, suspending its author."""

import pytest
from django.urls import reverse

from social import selectors
from social.models import MovieList, Report, Review
from social.services import movie_list_create, report_create
from tests.admin_helpers import assert_staff_only, messages_of
from tests.factories import ReviewFactory

pytestmark = pytest.mark.django_db
QUEUE = "admin:social_report_changelist"


@pytest.fixture
def reported(ann, ben, film):
    review = ReviewFactory(user=ann, movie=film, text="<i>Rude</i> words")
    movie_list = movie_list_create(user=ann, name="Spam list")
    return {
        "review": report_create(reporter=ben, reason="Insulting", review=review),
        "again": report_create(reporter=ben, reason="Still insulting", review=review),
        "list": report_create(reporter=ben, reason="Spam", movie_list=movie_list),
    }


def act(admin_client, action: str, reports):
    return admin_client.post(
        reverse(QUEUE),
        {"action": action, "_selected_action": [report.pk for report in reports]},
        follow=True,
    )


def test_the_queue_is_for_staff_and_lists_open_reports_escaped(client, admin_client, reported):
    assert_staff_only(client, reverse(QUEUE))
    page = admin_client.get(reverse(QUEUE), {"open": "yes"})
    assert page.status_code == 200
    assert "ann: &lt;i&gt;Rude&lt;/i&gt; words" in page.text
    assert "Insulting" in page.text and "Spam list" in page.text


def test_hiding_closes_every_report_of_it_and_it_disappears(admin_client, reported, ben, film):
    response = act(admin_client, "hide_content", [reported["review"]])
    assert messages_of(response) == ["Hid the content of 1 report(s)."]
    assert Review.objects.get().hidden_at is not None
    assert not Report.objects.filter(review__isnull=False, resolved_at__isnull=True).exists()
    assert Report.objects.get(pk=reported["list"].pk).resolved_at is None
    assert list(selectors.movie_reviews(viewer=ben, movie_id=film.pk)) == []
    # Shown again from the reviews' admin.
    admin_client.post(
        reverse("admin:social_review_changelist"),
        {"action": "unhide", "_selected_action": [Review.objects.get().pk]},
    )
    assert len(selectors.movie_reviews(viewer=ben, movie_id=film.pk)) == 1


def test_dismissing_keeps_the_content(admin_client, reported, ann, ben):
    act(admin_client, "dismiss", [reported["list"]])
    assert MovieList.objects.get().hidden_at is None
    assert Report.objects.get(pk=reported["list"].pk).resolved_at is not None
    assert selectors.movie_lists_of(viewer=ben, owner=ann).count() == 1


def test_suspending_the_author_hides_all_they_made(admin_client, reported, ann, ben, film):
    response = act(admin_client, "suspend_author", [reported["list"]])
    assert messages_of(response) == ["Suspended 1 account(s)."]
    ann.refresh_from_db()
    assert not ann.is_active
    assert list(selectors.movie_reviews(viewer=ben, movie_id=film.pk)) == []
    assert selectors.movie_lists_of(viewer=ben, owner=ann).count() == 0
