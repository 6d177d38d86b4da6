from django.urls import path

from social.web import views

app_name = "social"
urlpatterns = [
    path("u/<str:username>/", views.profile, name="profile"),
    path("u/<str:username>/follow/", views.follow_change, name="follow"),
    path("u/<str:username>/block/", views.block_change, name="block"),
    path("u/<str:username>/diary/", views.diary, name="diary"),
    path("u/<str:username>/lists/", views.lists, name="lists"),
    path("u/<str:username>/taste/", views.public_taste, name="taste"),
    path("movies/<int:movie_id>/log/", views.diary_log, name="diary-log"),
    path("movies/<int:movie_id>/add-to-list/", views.list_add, name="list-add"),
    path("diary/<int:entry_id>/edit/", views.diary_entry_edit, name="diary-edit"),
    path("diary/<int:entry_id>/delete/", views.diary_entry_delete, name="diary-delete"),
    path("reviews/<int:review_id>/like/", views.review_like_change, name="review-like"),
    path("reviews/<int:review_id>/delete/", views.review_delete, name="review-delete"),
    path("reviews/<int:review_id>/report/", views.review_report, name="review-report"),
    path("lists/<int:list_id>/", views.list_detail, name="list"),
    path("lists/<int:list_id>/edit/", views.list_edit, name="list-edit"),
    path("lists/<int:list_id>/delete/", views.list_delete, name="list-delete"),
    path("lists/<int:list_id>/order/", views.list_order, name="list-order"),
    path("lists/<int:list_id>/clone/", views.list_clone, name="list-clone"),
    path("lists/<int:list_id>/report/", views.list_report, name="list-report"),
    path(
        "lists/<int:list_id>/entries/<int:movie_id>/remove/",
        views.list_entry_remove,
        name="list-entry-remove",
    ),
    path(
        "lists/<int:list_id>/entries/<int:movie_id>/move/",
        views.list_entry_move,
        name="list-entry-move",
    ),
    path("feed/", views.feed, name="feed"),
    path("me/letterboxd/", views.letterboxd, name="letterboxd"),
    path("me/letterboxd.zip", views.letterboxd_export, name="letterboxd-export"),
    path("notifications/", views.notifications, name="notifications"),
]
