import csv
import io
import json

from django.urls import reverse


def test_json_export_is_my_data_only_as_an_attachment(client, user, rated):
    client.force_login(user)
    # There is no parameter to ask for someone else's data; one is ignored.
    response = client.get(reverse("ratings:data-export", args=["json"]), {"user": "someone_else"})
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="movierec-{user.username}-'
    )
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["user"]["username"] == user.username
    assert [(r["title"], r["score"]) for r in data["ratings"]] == [("Heat", 4.5)]
    assert data["watchlist"] == [] and data["not_interested"] == []


def test_csv_export_has_one_row_per_entry(client, user, rated):
    client.force_login(user)
    response = client.get(reverse("ratings:data-export", args=["csv"]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["list"], r["movie_id"], r["title"], r["year"], r["score"]) for r in rows] == [
        ("ratings", str(rated.movie_id), "Heat", "1995", "4.5")
    ]


def test_unknown_export_format_is_a_404(client, user):
    client.force_login(user)
    assert client.get("/account/export.xml").status_code == 404
