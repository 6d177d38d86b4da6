from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from movierec.health import health_report


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    return JsonResponse(report.as_dict(), status=200 if report.healthy else 503)
