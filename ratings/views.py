import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ratings.selectors import export_csv_columns, export_csv_rows, user_data_export


@never_cache
@login_required
@require_GET
def data_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The signed-in user's own data; there is deliberately no way to name another user."""
    export = user_data_export(user=request.user)
    filename = f"movierec-{request.user.username}-{timezone.now():%Y-%m-%d}.{fmt}"
    if fmt == "json":
        response: HttpResponse = JsonResponse(export, json_dumps_params={"indent": 2})
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv.DictWriter(response, fieldnames=export_csv_columns())
        writer.writeheader()
        writer.writerows(export_csv_rows(export))
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
