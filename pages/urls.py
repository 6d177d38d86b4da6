from django.urls import path

from pages import movie_actions, onboarding, views

app_name = "pages"
urlpatterns = [
    path("", views.home, name="home"),
    path("welcome/", onboarding.onboarding, name="onboarding"),
    path("welcome/rate/", onboarding.onboarding_rate, name="onboarding-rate"),
    path("movies/", views.movie_list, name="movie-list"),
    path("movies/suggest/", views.movie_suggest, name="movie-suggest"),
    path("movies/<int:movie_id>/", views.movie_detail, name="movie-detail"),
    path("movies/<int:movie_id>/rate/", movie_actions.rate, name="rate"),
    path("movies/<int:movie_id>/rating/remove/", movie_actions.rating_remove, name="rating-remove"),
    path(
        "movies/<int:movie_id>/watchlist/",
        movie_actions.list_change,
        {"list_name": "watchlist"},
        name="watchlist-change",
    ),
    path(
        "movies/<int:movie_id>/not-interested/",
        movie_actions.list_change,
        {"list_name": "not-interested"},
        name="not-interested-change",
    ),
    path("map/mine.json", views.movie_map_mine, name="movie-map-mine"),
    path("people/<int:person_id>/", views.person_detail, name="person-detail"),
]
