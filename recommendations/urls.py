from django.urls import path

from recommendations import views

app_name = "recommendations"
urlpatterns = [
    path("welcome/", views.onboarding, name="onboarding"),
    path("welcome/rate/", views.onboarding_rate, name="onboarding-rate"),
    path("movies/<int:movie_id>/rate/", views.rate, name="rate"),
    path("movies/<int:movie_id>/rating/remove/", views.rating_remove, name="rating-remove"),
    path(
        "movies/<int:movie_id>/watchlist/",
        views.list_change,
        {"list_name": "watchlist"},
        name="watchlist-change",
    ),
    path(
        "movies/<int:movie_id>/not-interested/",
        views.list_change,
        {"list_name": "not-interested"},
        name="not-interested-change",
    ),
    path("me/ratings/", views.ratings, name="ratings"),
    path("me/ratings/import/", views.rating_import, name="import"),
    path("me/watchlist/", views.watchlist, name="watchlist"),
    path("me/taste/", views.taste_profile, name="taste-profile"),
    path("me/recommender/", views.recommender_choice, name="recommender"),
    path("u/<str:username>/taste/", views.public_taste, name="public-taste"),
    path("map/", views.movie_map, name="movie-map"),
    path("map/points.json", views.movie_map_points, name="movie-map-points"),
    path("map/mine.json", views.movie_map_mine, name="movie-map-mine"),
    path("together/", views.watch_together, name="watch-together"),
]
