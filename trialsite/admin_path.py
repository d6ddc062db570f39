"""Whether a request is for the admin, whose address ``settings.ADMIN_PATH`` sets."""

from django.urls import NoReverseMatch, reverse


def is_admin(request):
    # Looked up on each call (Django caches the URL resolver): the URLs may be reloaded with
    # another ADMIN_PATH.
    try:
        prefix = reverse("admin:index")
    except NoReverseMatch:
        return False
    return request.path.startswith(prefix)
