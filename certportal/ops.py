"""Who may read the operations pages' details: the readiness checks' names and errors, the metrics.

An address inside OPS_INTERNAL_NETWORKS (the client's address as certportal.ratelimit.client_ip sees it, so
behind TRUSTED_PROXY_COUNT proxies the outermost proxy's view, never the proxy itself), or a request carrying
`Authorization: Bearer <OPS_TOKEN>`. Everybody else gets a status code and nothing more.
"""

import hmac
import ipaddress

from django.conf import settings

from .ratelimit import client_ip


def internal_address(request) -> bool:
    address = client_ip(request)
    if not address:
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(network, strict=False) for network in settings.OPS_INTERNAL_NETWORKS)


def bearer_token_matches(request) -> bool:
    expected = settings.OPS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(expected) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), expected)


def may_see_details(request) -> bool:
    return internal_address(request) or bearer_token_matches(request)
