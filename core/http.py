"""What the site's HTML views share, whichever app they live in: htmx requests, forms
bound only on a POST, and a safe place to go back to."""

from django.http import HttpRequest, QueryDict
from django.utils.http import url_has_allowed_host_and_scheme


def is_htmx(request: HttpRequest) -> bool:
    """Sent by htmx: the view answers with the fragment to swap, not a whole page."""
    return request.headers.get("HX-Request") == "true"


def posted(request: HttpRequest) -> QueryDict | None:
    """Form data for a POST, None (an unbound form) for a GET."""
    return request.POST if request.method == "POST" else None


def next_url(request: HttpRequest, default: str) -> str:
    """The form's `next` when it is a page of this site, else `default`."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else default
