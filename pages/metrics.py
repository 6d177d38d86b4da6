"""`/metrics`: the Prometheus exposition (core.metrics) with the serving state read at scrape."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from catalog.selectors import movies_waiting_for_embedding_count
from core import metrics
from pages.health import serving_model_age_seconds


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_ENABLED:
        raise Http404
    if not metrics.scrape_allowed(request):
        if not settings.METRICS_TOKEN:
            # Nothing to present: production without a token is guarded by the network.
            raise Http404
        response = HttpResponse("A valid metrics token is required.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = metrics.exposition(
        extra=metrics.serving_state_families(
            model_age_seconds=serving_model_age_seconds(),
            embedding_backlog=movies_waiting_for_embedding_count(),
        )
    )
    return HttpResponse(body, content_type=content_type)
