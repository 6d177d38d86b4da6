"""Personal and group recommendations, "also liked", over the synthetic two-taste world of
tests/recommendations/conftest.py with a real trained model."""

import pytest

from accounts.models import User
from catalog.models import Movie
from jobs.models import Job
from ratings.models import Rating
from recommendations.predictions import predicted_scores
from tests.api.conftest import V1, error_of, token_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def space_fan(world):
    return token_client(world.space_fans[0])


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_recommendations_explain_themselves_and_name_the_model(space_fan, world, trained):
    items = results(space_fan.get(f"{V1}/recommendations/", {"k": 5}))
    assert len(items) == 5
    rated = set(Rating.objects.filter(user=world.space_fans[0]).values_list("movie_id", flat=True))
    for item in items:
        assert item["movie"]["id"] not in rated
        assert item["movie"]["genres"]
        assert item["explanation"]
        assert item["source"] in {"als", "ease", "content", "popularity"}
        assert item["model_version"] == trained.pk
    # The space fan gets space films first.
    assert items[0]["movie"]["title"].startswith("Space")


def test_recommendations_keep_the_filters(space_fan, trained):
    items = results(
        space_fan.get(f"{V1}/recommendations/", {"k": 10, "genre": "romance", "decade": 2000})
    )
    assert items
    for item in items:
        assert item["movie"]["genres"] == ["Romance"]
        assert 2000 <= item["movie"]["year"] <= 2009


def test_exclude_watchlist_leaves_my_watchlist_out(space_fan, world, trained):
    first = results(space_fan.get(f"{V1}/recommendations/", {"k": 1}))[0]["movie"]["id"]
    space_fan.put(f"{V1}/movies/{first}/watchlist/")
    again = results(space_fan.get(f"{V1}/recommendations/", {"k": 40}))
    assert first in [item["movie"]["id"] for item in again]
    excluded = results(
        space_fan.get(f"{V1}/recommendations/", {"k": 40, "exclude_watchlist": "true"})
    )
    assert first not in [item["movie"]["id"] for item in excluded]


def test_without_a_model_a_new_user_gets_popular_movies(as_alice, movies):
    items = results(as_alice.get(f"{V1}/recommendations/", {"k": 3}))
    assert len(items) == 3
    assert {item["source"] for item in items} == {"popularity"}
    assert {item["model_version"] for item in items} == {None}
    assert "Withdrawn Film" not in [item["movie"]["title"] for item in items]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"k": 0}, "k"),
        ({"k": 101}, "k"),
        ({"k": "many"}, "k"),
        ({"decade": 1994}, "decade"),
        ({"exclude_watchlist": "maybe"}, "exclude_watchlist"),
    ],
)
def test_bad_parameters_are_field_errors(as_alice, params, field):
    error = error_of(as_alice.get(f"{V1}/recommendations/", params), 400, "invalid")
    assert list(error["fields"]) == [field]


def test_recommendations_need_credentials(anon):
    error_of(anon.get(f"{V1}/recommendations/"), 401, "not_authenticated")
    error_of(anon.get(f"{V1}/recommendations/group/", {"with": "x"}), 401, "not_authenticated")


# --- Groups ----------------------------------------------------------------------------


@pytest.fixture
def friends(world):
    """A space fan and a romance fan who allow group picks, and one who does not."""
    space, romance, shy = world.space_fans[1], world.romance_fans[0], world.romance_fans[1]
    User.objects.filter(pk__in=[space.pk, romance.pk]).update(allow_group_recommendations=True)
    return space, romance, shy


def test_group_recommendations_for_members_who_allow_them(space_fan, friends, trained):
    space, romance, _ = friends
    items = results(
        space_fan.get(
            f"{V1}/recommendations/group/",
            {"with": f"{space.username}, {romance.username}", "k": 5},
        )
    )
    assert len(items) == 5
    assert all(item["model_version"] == trained.pk for item in items)
    assert all(item["explanation"].startswith("Picked for") for item in items)


def test_a_member_who_does_not_allow_it_and_an_unknown_name_look_the_same(space_fan, friends):
    _, romance, shy = friends
    refused = error_of(
        space_fan.get(
            f"{V1}/recommendations/group/", {"with": f"{romance.username},{shy.username}"}
        ),
        403,
        "permission_denied",
    )
    unknown = error_of(
        space_fan.get(f"{V1}/recommendations/group/", {"with": f"{romance.username},nobody"}),
        403,
        "permission_denied",
    )
    assert refused["message"].replace(shy.username, "NAME") == unknown["message"].replace(
        "nobody", "NAME"
    )
    assert romance.username not in refused["message"]


def test_naming_yourself_is_refused(space_fan, world):
    me = world.space_fans[0]
    User.objects.filter(pk=me.pk).update(allow_group_recommendations=True)
    error_of(
        space_fan.get(f"{V1}/recommendations/group/", {"with": me.username}),
        403,
        "permission_denied",
    )


@pytest.mark.parametrize("value", ["", " , ", ",".join(f"user{i}" for i in range(8))])
def test_bad_group_lists_are_field_errors(as_alice, value):
    error = error_of(as_alice.get(f"{V1}/recommendations/group/", {"with": value}), 400, "invalid")
    assert list(error["fields"]) == ["with"]


def test_the_group_list_is_required(as_alice):
    error = error_of(as_alice.get(f"{V1}/recommendations/group/"), 400, "invalid")
    assert list(error["fields"]) == ["with"]


# --- Also liked ------------------------------------------------------------------------


def test_also_liked_comes_from_the_model_and_is_public(anon, world, trained):
    space_film = world.space[0]
    items = results(anon.get(f"{V1}/movies/{space_film.pk}/also-liked/", {"k": 5}))
    assert len(items) == 5
    assert space_film.pk not in [item["movie"]["id"] for item in items]
    assert sum(item["movie"]["title"].startswith("Space") for item in items) >= 4
    assert {item["source"] for item in items} == {"als"}
    assert all(f"liked {space_film.title}" in item["explanation"] for item in items)


def test_also_liked_shows_genres_without_a_query_per_movie(
    anon, world, trained, django_assert_max_num_queries
):
    anon.get(f"{V1}/movies/{world.space[1].pk}/also-liked/")  # loads the serving model
    with django_assert_max_num_queries(3):  # the movie, the serving version, the picks
        items = results(anon.get(f"{V1}/movies/{world.space[0].pk}/also-liked/", {"k": 10}))
    assert len(items) == 10
    assert all(item["movie"]["genres"] for item in items)


def test_also_liked_is_empty_before_training(anon, movies):
    assert results(anon.get(f"{V1}/movies/{movies['heat'].pk}/also-liked/")) == []


def test_also_liked_validates_k(anon, movies):
    response = anon.get(f"{V1}/movies/{movies['heat'].pk}/also-liked/", {"k": 0})
    assert list(error_of(response, 400, "invalid")["fields"]) == ["k"]


def test_hidden_movies_are_never_recommended(space_fan, world, trained):
    Movie.objects.filter(title__startswith="Space").update(is_hidden=True)
    items = results(space_fan.get(f"{V1}/recommendations/", {"k": 10}))
    assert not [item for item in items if item["movie"]["title"].startswith("Space")]


# --- Staff: retrain --------------------------------------------------------------------


def test_staff_can_queue_a_training(django_capture_on_commit_callbacks):
    staff = token_client(UserFactory(username="admin", is_staff=True))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = staff.post(f"{V1}/admin/retrain/")
    assert response.status_code == 202, response.content
    job = Job.objects.get()
    assert response.json()["id"] == job.pk
    assert (job.kind, job.state) == (Job.Kind.TRAINING, Job.State.QUEUED)
    assert "by admin" in job.description
    assert len(queued) == 1  # the Celery task, sent once the job row is committed


def test_nobody_else_can_queue_a_training(anon, as_alice):
    error_of(as_alice.post(f"{V1}/admin/retrain/"), 403, "permission_denied")
    error_of(anon.post(f"{V1}/admin/retrain/"), 401, "not_authenticated")
    assert not Job.objects.exists()


def test_recommendations_carry_my_predicted_stars(space_fan, world, trained):
    items = results(space_fan.get(f"{V1}/recommendations/", {"k": 10}))
    scores = {item["movie"]["title"]: item["predicted_score"] for item in items}
    assert all(isinstance(score, float) and 0.5 <= score <= 5.0 for score in scores.values())
    space = [score for title, score in scores.items() if title.startswith("Space")]
    romance = [score for title, score in scores.items() if title.startswith("Romance")]
    assert space and min(space) > max(romance, default=0.5)


def test_cached_predictions_are_todays_and_a_rating_changes_them_at_once(space_fan, world, trained):
    fan = world.space_fans[0]
    url = f"{V1}/recommendations/"

    def predictions() -> dict[int, float]:
        items = results(space_fan.get(url, {"k": 10}))
        shown = {item["movie"]["id"]: item["predicted_score"] for item in items}
        assert shown == predicted_scores(user=fan, movie_ids=list(shown))
        return shown

    before = predictions()
    assert predictions() == before  # from the cache
    disliked = next(movie for movie in world.space if movie.pk not in before)
    response = space_fan.put(f"{V1}/movies/{disliked.pk}/rating/", {"score": 0.5}, format="json")
    assert response.status_code == 200, response.content
    after = predictions()
    common = set(before) & set(after)
    assert common and all(after[pk] <= before[pk] for pk in common)
    assert any(after[pk] < before[pk] for pk in common)


def test_group_recommendations_carry_my_predicted_stars(space_fan, friends, world, trained):
    space, _, _ = friends
    items = results(space_fan.get(f"{V1}/recommendations/group/", {"with": space.username, "k": 5}))
    shown = {item["movie"]["id"]: item["predicted_score"] for item in items}
    predicted = predicted_scores(user=world.space_fans[0], movie_ids=list(shown))
    assert predicted  # None only for films I rated (the group's picks may hold some)
    assert shown == {pk: predicted.get(pk) for pk in shown}


def test_also_liked_predicts_only_for_a_signed_in_viewer(anon, space_fan, world, trained):
    url = f"{V1}/movies/{world.space[0].pk}/also-liked/"
    assert {item["predicted_score"] for item in results(anon.get(url))} == {None}
    rated = set(Rating.objects.filter(user=world.space_fans[0]).values_list("movie_id", flat=True))
    for item in results(space_fan.get(url)):
        assert (item["predicted_score"] is None) == (item["movie"]["id"] in rated)


def test_the_algorithm_parameter_picks_the_recommender(space_fan, trained):
    popular = results(space_fan.get(f"{V1}/recommendations/", {"k": 5, "algorithm": "popularity"}))
    ease = results(space_fan.get(f"{V1}/recommendations/", {"k": 5, "algorithm": "ease"}))

    assert {item["source"] for item in popular} == {"popularity"}
    assert {item["source"] for item in ease} == {"ease"}
    assert all(item["explanation"] for item in ease)


def test_an_unknown_algorithm_is_a_field_error(space_fan, trained):
    response = space_fan.get(f"{V1}/recommendations/", {"algorithm": "svd"})
    error = error_of(response, 400, "invalid")
    assert "algorithm" in str(error)


def test_the_chosen_recommender_is_remembered_and_used(space_fan, trained):
    assert space_fan.get(f"{V1}/me/recommender/").json() == {"algorithm": "hybrid"}

    response = space_fan.put(f"{V1}/me/recommender/", {"algorithm": "popularity"}, format="json")

    assert response.status_code == 200 and response.json() == {"algorithm": "popularity"}
    assert space_fan.get(f"{V1}/me/recommender/").json() == {"algorithm": "popularity"}
    items = results(space_fan.get(f"{V1}/recommendations/", {"k": 5}))
    assert {item["source"] for item in items} == {"popularity"}
    # An explicit parameter still wins for one request.
    items = results(space_fan.get(f"{V1}/recommendations/", {"k": 5, "algorithm": "als"}))
    assert {item["source"] for item in items} == {"als"}


def test_a_new_choice_is_seen_by_the_next_request_through_the_list_cache(space_fan, trained):
    url = f"{V1}/recommendations/"
    hybrid = results(space_fan.get(url, {"k": 5}))
    assert results(space_fan.get(url, {"k": 5})) == hybrid  # cached
    assert {item["source"] for item in hybrid} != {"popularity"}

    space_fan.put(f"{V1}/me/recommender/", {"algorithm": "popularity"}, format="json")
    assert {item["source"] for item in results(space_fan.get(url, {"k": 5}))} == {"popularity"}

    space_fan.put(f"{V1}/me/recommender/", {"algorithm": "hybrid"}, format="json")
    assert results(space_fan.get(url, {"k": 5})) == hybrid


def test_a_cached_list_costs_the_versions_and_the_followed(
    space_fan, trained, django_assert_num_queries
):
    url = f"{V1}/recommendations/"
    first = results(space_fan.get(url, {"k": 10}))
    # The versions with the recommender choice and the movies' visibility; which picks
    # people the user follows love. The token's lookup is cached (accounts.token_cache),
    # the predicted stars come with the cached list.
    with django_assert_num_queries(2):
        assert results(space_fan.get(url, {"k": 10})) == first


def test_choosing_an_unknown_recommender_changes_nothing(space_fan, trained):
    space_fan.put(f"{V1}/me/recommender/", {"algorithm": "ease"}, format="json")

    response = space_fan.put(f"{V1}/me/recommender/", {"algorithm": "svd"}, format="json")

    error_of(response, 400, "invalid")
    assert space_fan.get(f"{V1}/me/recommender/").json() == {"algorithm": "ease"}


def test_the_recommender_choice_needs_an_account(anon):
    assert anon.get(f"{V1}/me/recommender/").status_code == 401
