"""How failed admin logins are recorded (django-axes)."""

# django-axes keeps the username in a 255-character column; Django's own limit is 150.
USERNAME_MAX_LENGTH = 150


def attempted_username(request, credentials=None):
    """The username a login attempt gave, cut to a length the attempts table holds."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    return (username or "")[:USERNAME_MAX_LENGTH]
