"""``python manage.py create_curator USERNAME [--editor] [--email ADDRESS]``.

Makes (or updates) a staff account in the "Curator" group, or "Editor" with ``--editor``. The
password comes from the ``CURATOR_PASSWORD`` environment variable or is asked for twice at the
terminal; there is no default password.
"""

import getpass
import os
import sys

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from catalog.curation.roles import CURATOR, EDITOR, apply_roles

PASSWORD_VARIABLE = "CURATOR_PASSWORD"


class Command(BaseCommand):
    help = (
        'Create or update a staff account in the "Curator" group (or "Editor" with --editor). '
        f"The password is read from ${PASSWORD_VARIABLE} or asked for."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--editor",
            action="store_true",
            help="Put the account in the Editor group (may also delete, publish and hide).",
        )
        parser.add_argument("--email", default="", help="The account's email address.")

    def handle(self, *args, username, editor, email, verbosity, **options):
        User = get_user_model()
        role = EDITOR if editor else CURATOR
        user = User.objects.filter(username=username).first()
        candidate = user or User(username=username, email=email)
        password = self.password(candidate)
        with transaction.atomic():
            # Brings the groups up to date with the catalog's models.
            apply_roles(Group, Permission)
            created = user is None
            if created:
                user = User(username=username)
            user.email = email or user.email
            user.is_staff = True
            user.is_active = True
            user.set_password(password)
            user.save()
            user.groups.remove(*Group.objects.filter(name__in=[CURATOR, EDITOR]))
            user.groups.add(Group.objects.get(name=role))
        if verbosity:
            verb = "Created" if created else "Updated"
            self.stdout.write(self.style.SUCCESS(f"{verb} {role.lower()} account {username!r}."))

    def password(self, user):
        password = os.environ.get(PASSWORD_VARIABLE)
        if password is None:
            if not sys.stdin or not sys.stdin.isatty():
                raise CommandError(
                    f"No password: set {PASSWORD_VARIABLE}, or run this in a terminal to be asked."
                )
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ; nothing was changed.")
        if not password:
            raise CommandError("The password is empty; nothing was changed.")
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise CommandError("Password refused: " + " ".join(error.messages)) from None
        return password
