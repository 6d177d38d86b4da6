#!/usr/bin/env python
"""Django's command-line utility.

Unless DATABASE_URL / REDIS_URL are set, the embedded PostgreSQL and Redis are
started first, so every command sees the same data as the running site.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movierec.settings")
    from movierec.embedded import ensure_services

    ensure_services()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
