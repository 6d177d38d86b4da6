from django.urls import path, re_path

from ratings import views

app_name = "ratings"
urlpatterns = [
    path("me/ratings/", views.my_list, {"kind": "ratings"}, name="ratings"),
    path("me/ratings/import/", views.rating_import, name="import"),
    path("me/watchlist/", views.my_list, {"kind": "watchlist"}, name="watchlist"),
    path("me/taste/", views.taste_profile, name="taste-profile"),
    re_path(r"^account/export\.(?P<fmt>json|csv)$", views.data_export, name="data-export"),
]
