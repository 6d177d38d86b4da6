"""Error pages with DEBUG off (as under pytest): the site's own, never Django's bare ones."""

from django.test import Client
from django.urls import reverse
from django.views.defaults import server_error

from tests.factories import UserFactory


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
