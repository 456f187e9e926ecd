#!/usr/bin/env python
"""Django's command-line utility. Starts the embedded PostgreSQL/Redis when their URLs are unset."""

import os
import sys


# Commands that must work with no database at all (the eligibility engine is pure).
NO_DATABASE_COMMANDS = [["evaluate_eligibility"], ["help"], ["--help"], ["--version"]]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trial.settings")
    from trial.env import ConfigError

    try:
        import trial.settings  # noqa: F401  (validate the configuration before anything else)

        from trial import embedded

        if sys.argv[1:2] not in NO_DATABASE_COMMANDS:
            embedded.ensure_started()
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)
    except ConfigError as error:
        sys.exit(f"configuration error: {error}")


if __name__ == "__main__":
    main()
