from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("map/", views.movie_map, name="movie-map"),
    path("map/points.json", views.movie_map_points, name="movie-map-points"),
]
