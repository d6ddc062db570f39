"""The visitor's address, for login lockouts (django-axes) and export limits.

Behind ``PROXY_COUNT`` reverse proxies the address is the X-Forwarded-For entry the nearest
proxy vouches for (django-ipware with ``AXES_IPWARE_PROXY_COUNT``). Entries further left were
written by the client: a client that sends its own X-Forwarded-For changes nothing. (ipware's
Django helper, which axes calls by default, ignores the whole header when it holds more
entries than proxies, which would lock out the proxy's address, and so everyone, instead.)
"""

from django.conf import settings
from python_ipware import IpWare


def client_address(request):
    ipware = IpWare(
        precedence=tuple(settings.AXES_IPWARE_META_PRECEDENCE_ORDER),
        leftmost=True,
        proxy_count=settings.AXES_IPWARE_PROXY_COUNT,
    )
    address, _ = ipware.get_client_ip(request.META, strict=False)
    return str(address) if address else request.META.get("REMOTE_ADDR", "")
