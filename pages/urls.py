from django.urls import path

from pages import views

app_name = "pages"
urlpatterns = [
    path("", views.home, name="home"),
    path("movies/", views.movie_list, name="movie-list"),
    path("movies/suggest/", views.movie_suggest, name="movie-suggest"),
    path("movies/<int:movie_id>/", views.movie_detail, name="movie-detail"),
    path("people/<int:person_id>/", views.person_detail, name="person-detail"),
]
