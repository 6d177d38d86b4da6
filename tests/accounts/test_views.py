import re
from decimal import Decimal

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from accounts.models import User
from ratings.models import Rating
from tests.accounts.conftest import PASSWORD
from tests.factories import GenreFactory, MovieFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a much better passphrase 42"


def signed_in_user_id(client) -> int | None:
    user_id = client.session.get(SESSION_KEY)
    return int(user_id) if user_id is not None else None


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# Anonymous access


# Every page of one's own data, whichever app serves it.
PRIVATE_PAGES = [
    reverse("accounts:settings"),
    reverse("accounts:password-change"),
    reverse("accounts:delete"),
    reverse("ratings:data-export", args=["json"]),
    reverse("ratings:data-export", args=["csv"]),
    reverse("ratings:ratings"),
    reverse("ratings:watchlist"),
    reverse("ratings:import"),
    reverse("ratings:taste-profile"),
    reverse("pages:onboarding"),
    reverse("pages:onboarding-rate"),
    reverse("recommendations:watch-together"),
    reverse("recommendations:recommender"),
]


@pytest.mark.parametrize("url", PRIVATE_PAGES)
def test_private_pages_send_anonymous_visitors_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize("url", PRIVATE_PAGES)
def test_private_pages_render_for_a_new_user(signed_in, url):
    MovieFactory(genres=[GenreFactory(name="Drama")])
    assert signed_in.get(url).status_code == 200


@pytest.mark.parametrize("name", ["accounts:login", "accounts:signup"])
def test_sign_in_and_sign_up_send_signed_in_users_home(client, user, name):
    client.force_login(user)
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == reverse("pages:home")


@pytest.mark.parametrize(
    "name",
    [
        "accounts:login",
        "accounts:signup",
        "accounts:password-reset",
        "accounts:password-reset-done",
        "accounts:password-reset-complete",
    ],
)
def test_public_account_pages_render(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200


# Sign up


def sign_up_data(**overrides) -> dict[str, str]:
    return {
        "username": "newcomer",
        "email": "newcomer@example.com",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    } | overrides


def test_sign_up_creates_the_account_and_signs_in(client):
    response = client.post(reverse("accounts:signup"), sign_up_data(), follow=True)
    user = User.objects.get(username="newcomer")
    assert response.redirect_chain == [(reverse("pages:onboarding"), 302)]
    assert signed_in_user_id(client) == user.pk
    assert user.email == "newcomer@example.com"
    assert user.check_password(NEW_PASSWORD)
    assert not user.profile_is_public and not user.allow_group_recommendations
    assert "Welcome to movierec, newcomer!" in messages_of(response)[0]


def test_sign_ups_from_one_address_are_limited_and_mail_nobody_past_the_limit(
    client, throttle_rates, mailoutbox, django_capture_on_commit_callbacks
):
    throttle_rates(token="2/hour")
    for n in range(2):
        data = sign_up_data(username=f"newcomer{n}", email=f"new{n}@example.com")
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(reverse("accounts:signup"), data).status_code == 302
        client.logout()

    data = sign_up_data(username="newcomer2", email="victim@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), data)

    assert response.status_code == 429
    assert "Too many sign-ups from your address" in response.content.decode()
    assert not User.objects.filter(username="newcomer2").exists()
    assert [m.to for m in mailoutbox] == [["new0@example.com"], ["new1@example.com"]]
    # The form itself still opens.
    assert client.get(reverse("accounts:signup")).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field", "error"),
    [
        ({"password1": "password", "password2": "password"}, "password2", "too common"),
        ({"password1": "12345678901", "password2": "12345678901"}, "password2", "entirely numeric"),
        ({"password2": "something else entirely"}, "password2", "didn’t match"),
        ({"username": "Taken"}, "username", "already exists"),
        ({"email": "TAKEN@example.com"}, "email", "Another account already uses"),
        ({"email": ""}, "email", "required"),
        ({"username": "no spaces allowed"}, "username", "Enter a valid username"),
        ({"password1": "p" * 4097, "password2": "p" * 4097}, "password2", "at most 4,096"),
    ],
)
def test_sign_up_errors_are_shown_next_to_their_field(client, overrides, field, error):
    UserFactory(username="taken", email="taken@example.com")
    response = client.post(reverse("accounts:signup"), sign_up_data(**overrides))
    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors[field])
    assert signed_in_user_id(client) is None
    assert not User.objects.filter(username=sign_up_data(**overrides)["username"]).exists()
    # Announced and tied to the input for screen readers.
    html = response.text
    assert f'<ul class="errorlist" id="id_{field}_error" role="alert">' in html
    described_by = re.search(rf'<[^>]*id="id_{field}"[^>]*>', html).group(0)
    assert f"id_{field}_error" in described_by
    assert 'aria-invalid="true"' in described_by


def test_sign_up_labels_every_input(client):
    html = client.get(reverse("accounts:signup")).text
    for field in ("username", "email", "password1", "password2"):
        assert f'<label for="id_{field}"' in html
        assert f'id="id_{field}"' in html
    assert "csrfmiddlewaretoken" in html


# Sign in and out


def test_sign_in_goes_to_next_with_a_message(client, user):
    next_url = reverse("pages:movie-list")
    response = client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": PASSWORD, "next": next_url},
        follow=True,
    )
    assert response.redirect_chain == [(next_url, 302)]
    assert signed_in_user_id(client) == user.pk
    assert messages_of(response) == [f"Signed in as {user.username}."]


def test_wrong_password_is_announced(client, user, sign_in):
    response = sign_in(user.username, "not my password")
    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    assert '<div class="form-errors" role="alert">' in response.text
    assert "Please enter a correct username and password" in response.text


def test_an_overlong_password_is_refused_on_the_sign_in_form(client, user, sign_in):
    response = sign_in(user.username, "p" * 4097)
    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    assert "Passwords are at most 4,096 characters." in response.text


def test_an_overlong_password_never_matches_even_if_stored(user):
    """set_password takes anything; checking never hashes more than the limit."""
    user.set_password("p" * 4097)
    assert not user.check_password("p" * 4097)
    user.set_password("p" * 4096)
    assert user.check_password("p" * 4096)


def test_imported_movielens_users_cannot_sign_in_or_reset_a_password(client, sign_in):
    imported = User(username="ml_42", is_imported=True, movielens_id=42, email="ml42@example.com")
    imported.set_unusable_password()
    imported.save()
    for password in ("", "!", imported.password):
        response = sign_in("ml_42", password)
        assert response.status_code == 200
        assert signed_in_user_id(client) is None
    client.post(reverse("accounts:password-reset"), {"email": "ml42@example.com"})
    assert mail.outbox == []


def test_sign_out_needs_a_post(client, user):
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert signed_in_user_id(client) == user.pk
    response = client.post(reverse("accounts:logout"), follow=True)
    assert response.redirect_chain == [(reverse("pages:home"), 302)]
    assert signed_in_user_id(client) is None
    assert messages_of(response) == ["You are signed out."]


# Passwords


def test_password_change_keeps_the_user_signed_in(client, user):
    client.force_login(user)
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("accounts:settings"), 302)]
    assert messages_of(response) == ["Your password was changed."]
    assert signed_in_user_id(client) == user.pk
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_change_needs_the_old_password(client, user):
    client.force_login(user)
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": "guess", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "incorrectly" in " ".join(response.context["form"].errors["old_password"])
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_reset_mails_a_link_that_sets_a_new_password(client, user, sign_in):
    response = client.post(reverse("accounts:password-reset"), {"email": user.email.upper()})
    assert response["Location"] == reverse("accounts:password-reset-done")
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [user.email]
    assert email.subject == "Set a new movierec password"
    link = re.search(r"http://testserver(/password-reset/\S+/)", email.body).group(1)

    # Django swaps the token for a session marker, then the form sets the password.
    form_url = client.get(link)["Location"]
    assert client.get(form_url).context["validlink"] is True
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("accounts:password-reset-complete")

    assert sign_in(user.username, NEW_PASSWORD).status_code == 302
    # The link works once.
    client.post(reverse("accounts:logout"))
    assert client.get(link, follow=True).context["validlink"] is False


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, user):
    response = client.post(reverse("accounts:password-reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("accounts:password-reset-done")
    assert mail.outbox == []


# Settings


def test_settings_show_current_values_and_save_new_ones(client, user):
    client.force_login(user)
    form = client.get(reverse("accounts:settings")).context["form"]
    assert form["email"].value() == user.email
    assert form["profile_is_public"].value() is False
    response = client.post(
        reverse("accounts:settings"),
        {
            "email": "New@Example.com",
            "profile_is_public": "on",
            "allow_group_recommendations": "on",
        },
        follow=True,
    )
    assert messages_of(response) == [
        "Your settings were saved.",
        "We sent a link to New@example.com. Your address changes to it once you follow the link.",
    ]
    user.refresh_from_db()
    assert (user.pending_email, user.profile_is_public, user.allow_group_recommendations) == (
        "New@example.com",
        True,
        True,
    )


@pytest.mark.parametrize(
    ("email", "error"),
    [("not-an-email", "valid email"), ("SOMEONE_ELSE@example.com", "Another account")],
)
def test_settings_reject_a_bad_or_taken_email(client, user, other_user, email, error):
    client.force_login(user)
    response = client.post(
        reverse("accounts:settings"), {"email": email, "profile_is_public": "on"}
    )
    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors["email"])
    user.refresh_from_db()
    assert user.email == f"{user.username}@example.com"
    assert user.profile_is_public is False


def test_keeping_my_own_email_is_not_a_conflict(client, user):
    client.force_login(user)
    response = client.post(reverse("accounts:settings"), {"email": user.email.upper()})
    assert response.status_code == 302


# Delete my account


def test_delete_account_removes_user_and_ratings_and_signs_out(client, user, rated):
    client.force_login(user)
    assert client.get(reverse("accounts:delete")).status_code == 200
    response = client.post(
        reverse("accounts:delete"), {"username": user.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain == [(reverse("pages:home"), 302)]
    assert messages_of(response) == ["Your account and all its data were deleted. Goodbye!"]
    assert signed_in_user_id(client) is None
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Rating.objects.filter(user_id=user.pk).exists()
    assert Rating.objects.count() == 2  # the other user's
    rated.movie.refresh_from_db()
    assert (rated.movie.rating_count, rated.movie.rating_sum) == (1, Decimal("1.0"))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"username": "someone_else", "password": PASSWORD}, "username"),
        ({"password": "wrong password"}, "password"),
        ({"password": ""}, "password"),
    ],
)
def test_delete_needs_my_own_username_and_password(client, user, other_user, data, field):
    client.force_login(user)
    response = client.post(reverse("accounts:delete"), {"username": user.username} | data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error" role="alert"' in response.text
    assert User.objects.filter(pk__in=[user.pk, other_user.pk]).count() == 2
    assert signed_in_user_id(client) == user.pk


def test_anonymous_delete_deletes_nothing(client, user):
    response = client.post(
        reverse("accounts:delete"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert User.objects.filter(pk=user.pk).exists()


# Layout


def test_layout_for_visitors(client):
    html = client.get(reverse("pages:home")).text
    assert '<form class="search" role="search" action="/movies/" method="get">' in html
    assert 'name="q"' in html
    assert "/static/vendor/htmx.min.js" in html
    assert re.search(r"hx-headers='\{\"X-CSRFToken\": \"\w+\"\}'", html)
    assert 'href="/login/?next=/"' in html and 'href="/signup/"' in html
    assert "Sign out" not in html
    assert "MovieLens" in html and "TMDB" in html


def test_layout_for_members_links_their_own_pages(client, user):
    client.force_login(user)
    html = client.get(reverse("pages:movie-list")).text
    assert f'href="/u/{user.username}/"' in html and 'href="/account/"' in html
    assert '<a href="/movies/" aria-current="page">Browse</a>' in html
    assert '<form action="/logout/" method="post">' in html
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<>]+)</a>', nav)
    assert links == [
        ("/", "Home"),
        ("/movies/", "Browse"),
        ("/map/", "Map"),
        ("/me/ratings/", "My ratings"),
        ("/me/watchlist/", "Watchlist"),
        ("/me/taste/", "Taste profile"),
        ("/together/", "Watch together"),
    ]
