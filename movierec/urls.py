from django.contrib import admin
from django.urls import include, path

from pages.metrics import metrics_view
from pages.views import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("api/", include("movierec.api_urls")),
    path("", include("pages.urls")),
    path("", include("social.web.urls")),
    path("", include("accounts.urls")),
    path("", include("ratings.urls")),
    path("", include("catalog.urls")),
    path("", include("recommendations.urls")),
]
