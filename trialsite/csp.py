"""The Content-Security-Policy header, from ``settings.CSP_DIRECTIVES``.

One policy for the whole site; under the admin's address the directives of
``settings.CSP_ADMIN_DIRECTIVES`` replace their namesakes. A response that already carries a
policy keeps it.
"""

from functools import cached_property

from django.conf import settings
from django.urls import NoReverseMatch, reverse

HEADER = "Content-Security-Policy"


def policy(directives):
    return "; ".join(" ".join([name, *values]) for name, values in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.site_policy = policy(settings.CSP_DIRECTIVES)
        self.admin_policy = policy({**settings.CSP_DIRECTIVES, **settings.CSP_ADMIN_DIRECTIVES})

    @cached_property
    def admin_prefix(self):
        try:
            return reverse("admin:index")
        except NoReverseMatch:
            return None

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER not in response:
            admin = self.admin_prefix and request.path.startswith(self.admin_prefix)
            response[HEADER] = self.admin_policy if admin else self.site_policy
        return response
