"""The Content-Security-Policy header, from ``settings.CSP_DIRECTIVES``.

One policy for the whole site; under the admin's address the directives of
``settings.CSP_ADMIN_DIRECTIVES`` replace their namesakes. A response that already carries a
policy keeps it.
"""

from django.conf import settings

from trialsite.admin_path import is_admin

HEADER = "Content-Security-Policy"


def policy(directives):
    return "; ".join(" ".join([name, *values]) for name, values in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.site_policy = policy(settings.CSP_DIRECTIVES)
        self.admin_policy = policy({**settings.CSP_DIRECTIVES, **settings.CSP_ADMIN_DIRECTIVES})

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = self.admin_policy if is_admin(request) else self.site_policy
        return response
