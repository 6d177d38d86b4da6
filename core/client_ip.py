"""The one rule for a request's client address, used by the API throttles and django-axes.

Behind TRUSTED_PROXY_COUNT reverse proxies, each proxy appends the address it received
the request from to X-Forwarded-For, so the client is the entry that many places from
the right; anything further left was written by the client and proves nothing. With no
trusted proxy the header is ignored: otherwise anyone could pick their own address.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's IP address (REMOTE_ADDR when X-Forwarded-For is missing or malformed)."""
    remote_addr = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        address.strip()
        for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if address.strip()
    ]
    if proxies == 0 or not forwarded:
        return remote_addr
    # Fewer entries than proxies: the request skipped the outer ones; take what there is.
    candidate = forwarded[-min(proxies, len(forwarded))]
    try:
        # Normalised, and never garbage: django-axes stores it in an inet column.
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr
