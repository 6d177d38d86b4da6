"""The OpenAPI document: generated without warnings, valid, typed everywhere, one error
format, and Swagger UI served without a CDN."""

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

from tests.api.conftest import V1

pytestmark = pytest.mark.django_db

ERROR_REF = "#/components/schemas/Error"


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        from drf_spectacular.generators import SchemaGenerator

        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    GENERATOR_STATS.reset()
    output = tmp_path / "schema.yaml"
    # --fail-on-warn raises on any warning or error; --validate checks it against OpenAPI 3.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(output))
    assert not GENERATOR_STATS
    assert yaml.safe_load(output.read_text())["openapi"].startswith("3.")


def test_the_schema_is_served(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "movierec API"


def test_every_endpoint_is_documented(schema):
    documented = set(schema["paths"])
    for path in (
        "auth/register/", "auth/token/", "auth/tokens/", "auth/tokens/{token_id}/", "me/",
        "me/delete/", "me/export/", "movies/",
        "movies/{movie_id}/", "movies/{movie_id}/similar/", "movies/{movie_id}/also-liked/",
        "movies/{movie_id}/rating/", "movies/{movie_id}/watchlist/",
        "movies/{movie_id}/not-interested/", "people/{person_id}/", "genres/", "ratings/",
        "ratings/import/",
        "watchlist/", "not-interested/", "recommendations/", "recommendations/group/",
        "admin/jobs/", "admin/retrain/",
        "diary/", "diary/{entry_id}/", "movies/{movie_id}/reviews/", "reviews/{review_id}/",
        "reviews/{review_id}/like/", "reviews/{review_id}/report/", "lists/", "lists/{list_id}/",
        "lists/{list_id}/entries/", "lists/{list_id}/entries/{movie_id}/",
        "lists/{list_id}/order/", "lists/{list_id}/clone/", "lists/{list_id}/report/",
        "users/{username}/", "users/{username}/lists/", "users/{username}/follow/",
        "users/{username}/block/", "feed/", "notifications/", "notifications/read/",
    ):  # fmt: skip
        assert f"{V1}/{path}" in documented


def test_every_operation_has_a_typed_success_and_the_error_format(schema):
    for name, operation in operations(schema):
        responses = operation["responses"]
        successes = [code for code in responses if code.startswith("2")]
        assert successes, name
        for code in successes:
            if code != "204":
                content = responses[code]["content"]["application/json"]["schema"]
                assert "$ref" in content or content.get("type") == "array", name
        for code in ("401", "429"):
            assert responses[code]["content"]["application/json"]["schema"]["$ref"] == ERROR_REF
        for code, response in responses.items():
            if code.startswith("4"):
                assert response["content"]["application/json"]["schema"]["$ref"] == ERROR_REF


def test_operations_with_input_document_400_and_the_others_do_not(schema):
    for name, operation in operations(schema):
        takes_input = "requestBody" in operation or any(
            parameter["in"] == "query" for parameter in operation.get("parameters", [])
        )
        assert ("400" in operation["responses"]) == takes_input, name
    bodyless = {name for name, operation in operations(schema) if "requestBody" not in operation}
    assert {name for name in bodyless if name.startswith(("POST", "PATCH"))} == {
        f"POST {V1}/admin/retrain/",
        f"POST {V1}/me/verify-email/",
        f"POST {V1}/reviews/{{review_id}}/like/",
        f"POST {V1}/lists/{{list_id}}/clone/",
        f"POST {V1}/notifications/read/",
    }


def test_the_error_format_is_a_component(schema):
    error = schema["components"]["schemas"]["ErrorDetail"]
    assert set(error["required"]) == {"code", "message", "fields"}
    assert error["properties"]["fields"]["additionalProperties"]["items"]["type"] == "string"
    envelope = schema["components"]["schemas"]["Error"]
    assert envelope["properties"]["error"] == {"$ref": "#/components/schemas/ErrorDetail"}
    assert envelope["required"] == ["error"]


def test_the_score_schema_says_half_stars(schema):
    score = schema["components"]["schemas"]["RatingWriteRequest"]["properties"]["score"]
    assert (score["minimum"], score["maximum"], score["multipleOf"]) == (0.5, 5.0, 0.5)


def test_token_authentication_is_documented(schema):
    token = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (token["in"], token["name"]) == ("header", "Authorization")


def test_swagger_ui_is_served_without_a_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-dist" in html and "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower()
    asset = html.split('src="')[1].split('"')[0]
    assert client.get(asset).status_code == 200


@pytest.mark.parametrize(("query", "status"), [("", 200), ("?format=nonsense", 404)])
def test_the_docs_page_ignores_a_bad_token(client, query, status):
    """An unknown format is a 404 page, rendered without authenticating (it was a 500)."""
    response = client.get(f"/api/docs/{query}", HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code == status
