from django.urls import path

from recommendations import views

app_name = "recommendations"
urlpatterns = [
    path("me/recommender/", views.recommender_choice, name="recommender"),
    path("together/", views.watch_together, name="watch-together"),
]
