"""Checks shared by the admin tests of every app."""

from django.urls import reverse

from tests.factories import UserFactory


def assert_staff_only(client, url: str) -> None:
    """Anonymous visitors and signed-in non-staff users are sent to the admin login."""
    login = reverse("admin:login")
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(login), anonymous
    client.force_login(UserFactory(is_staff=False))
    signed_in = client.get(url)
    assert signed_in.status_code == 302 and signed_in.url.startswith(login), signed_in


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def movie_action(admin_client, action: str, movies: list):
    """Run a movie admin action on `movies`, following its redirect."""
    return admin_client.post(
        reverse("admin:catalog_movie_changelist"),
        {"action": action, "_selected_action": [movie.pk for movie in movies]},
        follow=True,
    )
