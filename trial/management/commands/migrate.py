"""``manage.py migrate``, run as the owner role when ``DATABASE_OWNER_URL`` is set.

Django's migrate, with the default connection switched to the owner's credentials (same database), and then
the runtime role of ``DATABASE_URL`` created or updated with exactly its grants (``trial.db_roles``). Without
``DATABASE_OWNER_URL`` it is Django's migrate as the one configured role.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from trial import db_roles


class Command(DjangoMigrate):
    help = DjangoMigrate.help + " As the owner role of DATABASE_OWNER_URL when set, then grants the runtime role."

    def handle(self, *args, **options):
        owner = settings.DATABASES.get("owner")
        if owner is None or options["database"] != "default":
            return super().handle(*args, **options)
        connection = connections["default"]
        runtime = settings.DATABASE_RUNTIME_ROLE
        with db_roles.credentials_of(connection, owner):
            super().handle(*args, **options)
            db_roles.ensure_runtime_role(connection, user=runtime["USER"], password=runtime["PASSWORD"])
        if options["verbosity"] >= 1:
            self.stdout.write(f"Runtime role {runtime['USER']!r}: grants applied.")
