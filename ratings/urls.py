from django.urls import re_path

from ratings import views

app_name = "ratings"
urlpatterns = [
    re_path(r"^account/export\.(?P<fmt>json|csv)$", views.data_export, name="data-export"),
]
