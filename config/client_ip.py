"""The client's address, from the one trusted-proxy setting (issue 14, item 3).

TOLKDESK_TRUSTED_PROXY_COUNT is how many reverse proxies stand in front of the app. 0 (the default):
REMOTE_ADDR, and X-Forwarded-For is ignored, whatever a client writes there. N: the address the
outermost of our N proxies saw, which is the N-th entry from the right of X-Forwarded-For; entries
further left were written by the client and are never used. django-ipware does the parsing.

Used by the login lockout (django-axes), the anonymous API throttle and the audit log, so all three
agree and none can be steered by a client-supplied header."""

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip


def client_ip_address(request: HttpRequest) -> str:
    proxies = settings.TOLKDESK_TRUSTED_PROXY_COUNT
    remote = str(request.META.get("REMOTE_ADDR") or "")
    if proxies <= 0:
        return remote
    # ipware counts the proxies *inside* X-Forwarded-For: the first of ours appended the client's
    # address rather than its own, so N proxies leave N - 1 proxy entries right of the client.
    address, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=proxies - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    return address or remote
