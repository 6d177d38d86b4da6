"""/api/v1/: the API's front door lists every endpoint of the version and links to the docs."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.api.conftest import V1

pytestmark = pytest.mark.django_db


def test_the_root_lists_the_resources_and_links_to_the_docs(anon):
    response = anon.get(f"{V1}/")
    assert response.status_code == 200
    body = response.json()
    assert body["docs"] == "http://testserver/api/docs/"
    assert body["schema"] == "http://testserver/api/schema/"
    resources = body["resources"]
    assert resources["movie-list"] == "http://testserver/api/v1/movies/"
    assert resources["genre-list"] == "http://testserver/api/v1/genres/"
    assert resources["recommendations"] == "http://testserver/api/v1/recommendations/"
    # Endpoints under an id are written as the schema writes them.
    assert resources["movie-detail"] == "http://testserver/api/v1/movies/{movie_id}/"
    assert resources["person-detail"] == "http://testserver/api/v1/people/{person_id}/"
    assert "root" not in resources


def test_every_listed_resource_is_in_the_schema_and_the_links_answer(anon):
    documented = set(SchemaGenerator().get_schema(request=None, public=True)["paths"])
    body = anon.get(f"{V1}/").json()
    listed = {url.removeprefix("http://testserver") for url in body["resources"].values()}
    assert listed == documented - {f"{V1}/"}
    assert f"{V1}/" in documented
    assert anon.get(body["docs"]).status_code == 200
    assert anon.get(body["schema"]).status_code == 200
    assert anon.get(body["resources"]["genre-list"]).status_code == 200


def test_unknown_api_urls_still_answer_404_in_the_error_format(anon):
    response = anon.get(f"{V1}/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_browser_gets_the_root_as_a_browsable_page_with_its_links(client):
    response = client.get(f"{V1}/", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "http://testserver/api/docs/" in response.text
    assert "http://testserver/api/v1/movies/" in response.text
