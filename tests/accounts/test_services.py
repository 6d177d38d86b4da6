from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth.hashers import get_hasher, identify_hasher
from django.utils import timezone

from accounts.models import User
from accounts.services import user_delete, user_settings_update, user_sign_up
from catalog.models import Movie
from ratings.models import NotInterested, Rating, WatchlistItem
from tests.factories import MovieFactory, rate

pytestmark = pytest.mark.django_db


def test_sign_up_creates_a_regular_user_with_a_hashed_password(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user = user_sign_up(
            username="ada",
            email="ada@EXAMPLE.com",
            password="analytical engine 1843",
            site_url="https://movies.example.com/",
        )
    user.refresh_from_db()
    assert user.email == "ada@example.com"
    assert not user.email_verified  # until the link mailed to it is followed
    assert [mail.to for mail in mailoutbox] == [["ada@example.com"]]
    assert "https://movies.example.com/verify-email/" in mailoutbox[0].body
    # With the configured hasher (PBKDF2 in production: tests/movierec/test_settings.py).
    assert identify_hasher(user.password).algorithm == get_hasher().algorithm
    assert user.check_password("analytical engine 1843")
    assert (user.is_imported, user.is_staff, user.profile_is_public) == (False, False, False)


def test_settings_update_saves_privacy_and_makes_a_new_email_pending(user):
    old_email = user.email
    user_settings_update(
        user=user,
        email="me@EXAMPLE.org",
        profile_is_public=True,
        allow_group_recommendations=True,
        site_url="https://movies.example.com/",
    )
    user = User.objects.get(pk=user.pk)
    assert (user.profile_is_public, user.allow_group_recommendations) == (True, True)
    assert (user.email, user.pending_email) == (old_email, "me@example.org")


def test_delete_removes_the_user_their_lists_and_their_share_of_movie_scores(user, other_user):
    shared, only_mine, theirs = MovieFactory.create_batch(3)
    rate(user, shared, "4.5")
    rate(other_user, shared, "2.0")
    rate(user, only_mine, "3.0")
    rate(other_user, theirs, "5.0")
    WatchlistItem.objects.create(user=user, movie=theirs)
    NotInterested.objects.create(user=user, movie=shared)
    WatchlistItem.objects.create(user=other_user, movie=shared)

    user_delete(user=user)

    assert not User.objects.filter(pk=user.pk).exists()
    assert list(Rating.objects.values_list("user_id", flat=True).distinct()) == [other_user.pk]
    assert not WatchlistItem.objects.filter(user_id=user.pk).exists()
    assert not NotInterested.objects.filter(user_id=user.pk).exists()
    assert WatchlistItem.objects.filter(user=other_user).count() == 1
    assert {
        pk: (count, total)
        for pk, count, total in Movie.objects.values_list("pk", "rating_count", "rating_sum")
    } == {
        shared.pk: (1, Decimal("2.0")),
        only_mine.pk: (0, Decimal("0.0")),
        theirs.pk: (1, Decimal("5.0")),
    }


def test_delete_forgets_the_login_records_of_that_username_only(user, other_user):
    for username in (user.username, other_user.username):
        AccessLog.objects.create(username=username, ip_address="198.51.100.7", user_agent="test")
        AccessAttempt.objects.create(
            username=username,
            ip_address="198.51.100.7",
            user_agent="test",
            get_data="",
            post_data="",
            failures_since_start=1,
            attempt_time=timezone.now(),
        )
    user_delete(user=user)
    assert list(AccessLog.objects.values_list("username", flat=True)) == [other_user.username]
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == [other_user.username]
