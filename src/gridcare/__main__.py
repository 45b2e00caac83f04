"""`gridcare` command line: every manage.py command plus GridCare's own."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcare.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["gridcare", *sys.argv[1:]])


if __name__ == "__main__":
    main()
