"""Error pages with DEBUG off (as under pytest): the site's own, never Django's bare ones."""

import os
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.views.defaults import server_error

from tests.conftest import _test_database_url
from tests.factories import UserFactory
from tests.movierec.test_settings import run_django


def test_a_missing_movie_gets_the_sites_404_page_with_its_navigation(client, db):
    response = client.get(reverse("pages:movie-detail", args=[999_999]))
    assert response.status_code == 404
    assert [t.name for t in response.templates][:2] == ["404.html", "base.html"]
    assert "Page not found" in response.text
    assert f'href="{reverse("pages:movie-list")}"' in response.text


def test_an_unknown_address_gets_the_same_404_page(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_a_staff_member_without_the_permission_gets_the_sites_403_page(client, db):
    client.force_login(UserFactory(is_staff=True))  # staff without jobs.add_job
    response = client.post(reverse("admin:jobs_job_start_training"))
    assert response.status_code == 403
    assert "You cannot open this page" in response.text


def test_a_form_posted_without_its_csrf_token_explains_what_to_do(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert "This form has expired" in response.text
    assert "allow cookies" in response.text


def test_a_disallowed_host_gets_the_sites_400_page(client, db):
    response = client.get("/", headers={"host": "attacker.example"})
    assert response.status_code == 400
    assert "We could not handle that request" in response.text


def test_a_server_error_page_renders_without_a_request_context(rf):
    # Django renders 500.html with no context at all: nothing about the user or the database.
    response = server_error(rf.get("/"))
    assert response.status_code == 500
    text = response.content.decode()
    assert "Something went wrong on our side" in text
    assert "css/site.css" in text


# What `make run` serves for a missing film, asked in a fresh interpreter with development's
# settings (runstack's processes get the environment it was started with).
MISSING_FILM = (
    "from django.test import Client; "
    "response = Client(raise_request_exception=False).get('/movies/999999/', "
    "headers={'host': '127.0.0.1'}); "
    "print(response.status_code); print(response.content.decode())"
)
DJANGO_DEBUG_PAGE = "You’re seeing this error because you have <code>DEBUG = True</code>"


def _served(database_url: str, env: dict[str, str]) -> tuple[int, str]:
    result = run_django(MISSING_FILM, {"DATABASE_URL": database_url} | env)
    assert result.returncode == 0, result.stderr
    status, page = result.stdout.split("\n", 1)
    return int(status), page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("database", "status", "own_page", "django_detail"),
    [
        ("the test database", 404, "Page not found", "URLconf"),
        # A database without the site's tables: the film page's query fails, a server error.
        ("no tables", 500, "Something went wrong on our side", "catalog_movie"),
    ],
)
def test_development_serves_the_sites_own_error_pages_and_debug_brings_djangos_back(
    database, status, own_page, django_detail
):
    if database == "no tables":
        database_url = urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres").geturl()
    else:
        database_url = _test_database_url()
    served, page = _served(database_url, {})
    assert served == status
    assert own_page in page and "css/site.css" in page
    assert "DEBUG = True" not in page and django_detail not in page

    served, page = _served(database_url, {"DEBUG": "1"})
    assert served == status
    assert DJANGO_DEBUG_PAGE in page and django_detail in page
