"""The browsable API's pages relax style-src, and only they do."""

from tests.movierec.test_csp import policy


def test_browsable_api_pages_allow_inline_styles_but_not_inline_scripts(client, user):
    client.force_login(user)
    response = client.get("/api/v1/me/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "rest_framework/js/" in response.text  # the browsable page, not JSON
    directives = policy(response)
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
    assert "'unsafe-inline'" not in directives["script-src"]


def test_json_answers_and_site_pages_keep_the_strict_policy(client, user):
    client.force_login(user)
    for response in (client.get("/api/v1/me/"), client.get("/")):
        assert "'unsafe-inline'" not in policy(response)["style-src"]
